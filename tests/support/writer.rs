//! A concurrent writer: its own thread and connection to the old database,
//! running a seeded random workload in IMMEDIATE transactions until told to
//! stop. Writes refused because the database is draining are counted, not
//! treated as failures; any other error fails the test. A transaction
//! counts as committed only when it changed a row: an UPDATE or DELETE
//! matching nothing, or an INSERT/UPDATE OR IGNORE that ignored its row,
//! commits without firing any row trigger, so a guarded database lets it
//! through having refused nothing (counted apart, `unchanged`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::{Connection, Transaction};

/// One transaction's worth of writes; the writer commits it.
pub type Workload = fn(&Transaction<'_>, &mut StdRng) -> rusqlite::Result<()>;

/// The text every refused write carries (the engine's `DRAINING_MESSAGE`).
pub const DRAINING: &str = "draining for a migration";

/// What the other refusals say: the old database as a standby of a revert
/// window, the new one frozen or reverted by a revert.
pub const REFUSALS: &[&str] = &[
    DRAINING,
    "standby of a cut-over migration",
    "retired by a migration",
    "being reverted by mig",
    "reverted by mig",
];

#[derive(Debug, Default, Clone, Copy)]
pub struct WriterStats {
    /// Transactions that committed and changed at least one row.
    pub committed: u64,
    pub refused_draining: u64,
    /// Transactions that committed having changed no row (nothing written).
    pub unchanged: u64,
}

pub struct Writer {
    stop: Arc<AtomicBool>,
    committed: Arc<AtomicU64>,
    refused: Arc<AtomicU64>,
    handle: Option<JoinHandle<WriterStats>>,
}

impl Writer {
    /// The shop fixture's workload.
    pub fn start(path: PathBuf, seed: u64) -> Writer {
        Writer::start_with(path, seed, shop_transaction)
    }

    pub fn start_with(path: PathBuf, seed: u64, workload: Workload) -> Writer {
        Writer::spawn(path, seed, workload, Some(Duration::from_micros(500)))
    }

    /// The shop workload with no pause between transactions: the service
    /// takes the write lock again microseconds after releasing it.
    pub fn tight_loop(path: PathBuf, seed: u64) -> Writer {
        Writer::spawn(path, seed, shop_transaction, None)
    }

    fn spawn(path: PathBuf, seed: u64, workload: Workload, pace: Option<Duration>) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let committed = Arc::new(AtomicU64::new(0));
        let refused = Arc::new(AtomicU64::new(0));
        let counts = Counts {
            committed: Arc::clone(&committed),
            refused: Arc::clone(&refused),
        };
        let flag = Arc::clone(&stop);
        let handle = std::thread::spawn(move || run(path, seed, workload, pace, &flag, &counts));
        Writer {
            stop,
            committed,
            refused,
            handle: Some(handle),
        }
    }

    /// Transactions committed having changed a row, so far.
    pub fn committed(&self) -> u64 {
        self.committed.load(Ordering::SeqCst)
    }

    /// Transactions refused because the database was draining, so far.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::SeqCst)
    }

    /// Blocks until the writer has committed `n` transactions in total (so
    /// tests wait for a condition, not for time).
    pub fn wait_committed(&self, n: u64) {
        self.wait(&self.committed, n, "committed");
    }

    /// Blocks until `n` of the writer's transactions were refused as draining.
    pub fn wait_refused(&self, n: u64) {
        self.wait(&self.refused, n, "refused as draining");
    }

    fn wait(&self, counter: &AtomicU64, n: u64, what: &str) {
        while counter.load(Ordering::SeqCst) < n {
            if self.handle.as_ref().is_some_and(|h| h.is_finished()) {
                panic!("the writer stopped before {n} transactions were {what}");
            }
            // Polling a condition, not waiting out a guess.
            std::thread::sleep(Duration::from_millis(1));
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

/// Live counters the test thread can wait on.
struct Counts {
    committed: Arc<AtomicU64>,
    refused: Arc<AtomicU64>,
}

fn run(
    path: PathBuf,
    seed: u64,
    workload: Workload,
    pace: Option<Duration>,
    stop: &AtomicBool,
    counts: &Counts,
) -> WriterStats {
    let conn = Connection::open(path).expect("writer connection");
    conn.busy_timeout(Duration::from_secs(10)).expect("busy");
    // Like many services: no foreign-key enforcement, so references may dangle.
    conn.pragma_update(None, "foreign_keys", false)
        .expect("foreign_keys");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut stats = WriterStats::default();
    while !stop.load(Ordering::SeqCst) {
        match one_transaction(&conn, &mut rng, workload) {
            Ok(false) => stats.unchanged += 1,
            Ok(true) => {
                stats.committed += 1;
                counts.committed.fetch_add(1, Ordering::SeqCst);
                // Paced like a busy service (~1,000 transactions/s) unless
                // the test wants a tight loop.
                if let Some(p) = pace {
                    std::thread::sleep(p);
                }
            }
            Err(e) if REFUSALS.iter().any(|r| e.to_string().contains(r)) => {
                stats.refused_draining += 1;
                counts.refused.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(e) => panic!("writer failed with an unexpected error: {e}"),
        }
    }
    stats
}

fn one_transaction(
    conn: &Connection,
    rng: &mut StdRng,
    workload: Workload,
) -> rusqlite::Result<bool> {
    // IMMEDIATE, as a service that reads before it writes must use.
    let tx = Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    let before = conn.total_changes();
    workload(&tx, rng)?;
    // Rows changed by the workload's statements and their triggers.
    let changed = conn.total_changes() > before;
    tx.commit()?;
    Ok(changed)
}

/// The shop fixture's mix: inserts, updates (including primary-key
/// changes), deletes and INSERT OR REPLACE.
fn shop_transaction(tx: &Transaction<'_>, rng: &mut StdRng) -> rusqlite::Result<()> {
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
    Ok(())
}
