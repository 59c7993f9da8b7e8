//! A paced, service-like writer on the old database: single-row insert,
//! update and delete transactions (WAL, synchronous=NORMAL), each commit's
//! latency recorded, refusals by a draining database told apart.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::Connection;

use super::agent_site::unix_ms;

/// What a paced writer saw.
#[derive(Default)]
pub struct WriterLog {
    /// (unix ms at commit, latency µs) of every successful write.
    pub ok: Vec<(i64, f64)>,
    /// Unix ms of every write mig refused on the old database (draining,
    /// or retired or a standby after a cutover).
    pub refused: Vec<i64>,
    /// Other failures (e.g. busy), with the first message.
    pub failed: u64,
    pub first_failure: String,
}

impl WriterLog {
    /// Latencies (µs) of the writes committed in `[from_ms, to_ms]`.
    pub fn latencies_between(&self, from_ms: i64, to_ms: i64) -> Vec<f64> {
        self.ok
            .iter()
            .filter(|(t, _)| *t >= from_ms && *t <= to_ms)
            .map(|(_, l)| *l)
            .collect()
    }
}

/// A thread doing `rate` single-row insert/update/delete transactions per
/// second on the old database (WAL, synchronous=NORMAL), like a service.
pub struct Writer {
    stop: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<WriterLog>,
}

impl Writer {
    /// `autocheckpoint`: the connection's `wal_autocheckpoint` in pages
    /// (SQLite's default is 1000; 0 turns the writer's checkpoints off, a
    /// diagnostic for where its latency tail comes from).
    pub fn start(old: &Path, rate: u32, seed: u64, autocheckpoint: u32) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let old = old.to_path_buf();
        let handle =
            std::thread::spawn(move || write_loop(&old, rate, seed, autocheckpoint, &flag));
        Writer { stop, handle }
    }

    pub fn stop(self) -> WriterLog {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().expect("the writer thread panicked")
    }
}

fn write_loop(
    old: &Path,
    rate: u32,
    seed: u64,
    autocheckpoint: u32,
    stop: &AtomicBool,
) -> WriterLog {
    let c = Connection::open(old).expect("the writer's connection");
    c.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        .expect("writer pragmas");
    c.pragma_update(None, "wal_autocheckpoint", autocheckpoint)
        .expect("writer autocheckpoint");
    c.busy_timeout(Duration::from_secs(5))
        .expect("busy timeout");
    let max: i64 = c
        .query_row("SELECT coalesce(max(Id), 1) FROM item", [], |r| r.get(0))
        .expect("max id");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut log = WriterLog::default();
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
    let mut next = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else if now - next > Duration::from_secs(1) {
            next = now; // far behind: do not burst to catch up
        }
        next += interval;
        let id = rng.random_range(1..=max);
        let sql = match rng.random_range(0..10) {
            0..=3 => "INSERT INTO item (Name, Score, Note, Payload) VALUES ('w-' || ?1, 1.5, 'writer', randomblob(100))",
            4..=8 => "UPDATE item SET Score = Score + 1 WHERE Id = ?1",
            _ => "DELETE FROM item WHERE Id = ?1",
        };
        let t = Instant::now();
        match c.execute(sql, [id]) {
            Ok(_) => log.ok.push((unix_ms(), t.elapsed().as_secs_f64() * 1e6)),
            Err(e) if refused_by_mig(&e.to_string()) => log.refused.push(unix_ms()),
            Err(e) => {
                if log.failed == 0 {
                    log.first_failure = e.to_string();
                }
                log.failed += 1;
            }
        }
    }
    log
}

/// Whether mig refused the write (the old database drains, or was retired
/// or made a standby by a cutover), not some other failure.
fn refused_by_mig(error: &str) -> bool {
    [
        "draining for a migration",
        "retired by a migration",
        "standby of a cut-over migration",
    ]
    .iter()
    .any(|t| error.contains(t))
}
