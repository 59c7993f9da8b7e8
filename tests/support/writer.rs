//! A concurrent writer: its own connection to the old database, running a
//! seeded random mix of inserts, updates (including primary-key changes),
//! deletes and INSERT OR REPLACE until told to stop. Writes refused because
//! the database is draining are counted, not treated as failures.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::Connection;

#[derive(Debug, Default, Clone, Copy)]
pub struct WriterStats {
    pub committed: u64,
    pub refused_draining: u64,
}

pub struct Writer {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<WriterStats>>,
}

impl Writer {
    pub fn start(path: PathBuf, seed: u64) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let handle = std::thread::spawn(move || run(path, seed, &flag));
        Writer {
            stop,
            handle: Some(handle),
        }
    }

    pub fn stop(mut self) -> WriterStats {
        self.stop.store(true, Ordering::SeqCst);
        self.handle
            .take()
            .map(|h| h.join().expect("writer thread"))
            .unwrap_or_default()
    }
}

fn run(path: PathBuf, seed: u64, stop: &AtomicBool) -> WriterStats {
    let conn = Connection::open(path).expect("writer connection");
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .expect("busy");
    // Like many services: no foreign-key enforcement, so references may dangle.
    conn.pragma_update(None, "foreign_keys", false)
        .expect("foreign_keys");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut stats = WriterStats::default();
    while !stop.load(Ordering::SeqCst) {
        match one_transaction(&conn, &mut rng) {
            Ok(()) => {
                stats.committed += 1;
                // Paced like a busy service (~1,000 transactions/s), not a tight loop.
                std::thread::sleep(std::time::Duration::from_micros(500));
            }
            Err(e) if e.to_string().contains("draining for a migration") => {
                stats.refused_draining += 1;
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            Err(e) => panic!("writer failed with an unexpected error: {e}"),
        }
    }
    stats
}

fn one_transaction(conn: &Connection, rng: &mut StdRng) -> rusqlite::Result<()> {
    // IMMEDIATE, as a service that reads before it writes must use.
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    for _ in 0..rng.random_range(1..4) {
        let max: i64 = tx.query_row(
            "SELECT coalesce(max(CustomerId), 0) FROM Customer",
            [],
            |r| r.get(0),
        )?;
        let id = rng.random_range(1..=max.max(1) + 3);
        match rng.random_range(0..10) {
            0 | 1 => {
                tx.execute(
                    "INSERT INTO Customer(FirstName, LastName, Email, Photo) VALUES (?1, 'Nøw', ?2, ?3)",
                    rusqlite::params![format!("W{id}"), format!("W{id}@X.ORG"), vec![1u8, 2, 3]],
                )?;
                let cid = tx.last_insert_rowid();
                tx.execute(
                    "INSERT INTO Orders(CustomerId, ProductCode, Qty, Note) VALUES (?1, (SELECT Code FROM Product ORDER BY random() LIMIT 1), 1, 'new')",
                    [cid],
                )?;
            }
            2 | 3 => {
                tx.execute("UPDATE Customer SET Email = upper(coalesce(Email, 'none')) || ?2 WHERE CustomerId = ?1", rusqlite::params![id, "!"])?;
            }
            4 => {
                tx.execute("DELETE FROM Tag WHERE OrderId = ?1", [id])?;
                tx.execute("DELETE FROM Orders WHERE OrderId = ?1", [id])?;
            }
            5 => {
                // Primary key change on a WITHOUT ROWID table.
                tx.execute(
                    "UPDATE Tag SET Label = Label || 'x' WHERE OrderId = ?1 AND Label = 'a'",
                    [id],
                )?;
            }
            6 => {
                // Primary key change on a renumbered table, with its references.
                let code = format!("P-{:05}", rng.random_range(1..20));
                let moved = format!("{code}-m{}", rng.random_range(0..1000));
                tx.execute(
                    "INSERT OR IGNORE INTO Product VALUES (?1, 'moved', 9.99)",
                    [&moved],
                )?;
                tx.execute(
                    "UPDATE Orders SET ProductCode = ?2 WHERE ProductCode = ?1",
                    [&code, &moved],
                )?;
            }
            7 => {
                tx.execute(
                    "INSERT OR REPLACE INTO Customer(CustomerId, FirstName, LastName, Email) VALUES (?1, 'Re', 'Placed', NULL)",
                    [id],
                )?;
            }
            8 => {
                tx.execute(
                    "UPDATE Orders SET Qty = Qty + 1, Note = NULL WHERE OrderId = ?1",
                    [id],
                )?;
                tx.execute("INSERT OR REPLACE INTO Tag VALUES (?1, 'c', 0.5)", [id])?;
            }
            _ => {
                tx.execute("DELETE FROM Customer WHERE CustomerId = ?1", [id])?;
            }
        }
    }
    tx.commit()
}
