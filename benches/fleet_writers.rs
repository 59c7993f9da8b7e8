//! Service-like writers for the fleet benchmark's tenant scenario: one
//! thread per sampled tenant database, a small transaction every 20 ms,
//! mig's refusals on the old database (draining, then retired) counted,
//! anything else a failure of the run.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;

/// Service-like writers on the sample: one thread each, a small
/// transaction every 20 ms, mig's refusals (draining, then retired or
/// standby) counted.
pub struct Writers {
    stop: Arc<AtomicBool>,
    committed: Arc<AtomicU64>,
    refused: Arc<AtomicU64>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Writers {
    pub fn start(dbs: &[PathBuf]) -> Writers {
        let w = Writers {
            stop: Arc::default(),
            committed: Arc::default(),
            refused: Arc::default(),
            threads: vec![],
        };
        let threads = dbs
            .iter()
            .map(|db| {
                let (db, stop) = (db.clone(), Arc::clone(&w.stop));
                let (ok, no) = (Arc::clone(&w.committed), Arc::clone(&w.refused));
                std::thread::spawn(move || write_loop(&db, &stop, &ok, &no))
            })
            .collect();
        Writers { threads, ..w }
    }

    pub fn stop(self) -> (u64, u64) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads {
            let _ = t.join();
        }
        (
            self.committed.load(Ordering::Relaxed),
            self.refused.load(Ordering::Relaxed),
        )
    }
}

fn write_loop(db: &Path, stop: &AtomicBool, ok: &AtomicU64, refused: &AtomicU64) {
    let c = Connection::open(db).expect("writer connection");
    c.busy_timeout(Duration::from_secs(5))
        .expect("busy timeout");
    let mut i: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let r = c.execute_batch(&format!(
            "BEGIN IMMEDIATE; INSERT INTO Customer(FirstName, LastName, Email, CreatedAt) VALUES ('W', 'Writer', 'w{i}-' || random() || '@x.org', '2026-03-01'); UPDATE Orders SET Status = 'paid' WHERE OrderId = {}; COMMIT;",
            1 + i % 50
        ));
        match r {
            Ok(()) => {
                ok.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                let _ = c.execute_batch("ROLLBACK");
                let text = e.to_string();
                if ["draining", "retired", "standby"]
                    .iter()
                    .any(|r| text.contains(r))
                {
                    refused.fetch_add(1, Ordering::Relaxed);
                } else {
                    panic!("writer on {}: {e}", db.display());
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
