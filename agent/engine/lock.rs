//! Taking a lock on a database that another process keeps writing to.
//!
//! SQLite's own busy handler backs off to 100 ms sleeps between attempts,
//! and SQLite has no queue for locks: a service committing in a tight loop
//! takes the lock again microseconds after releasing it, so a connection
//! that sleeps 100 ms between attempts almost never finds it free. Measured
//! against an unpaced writer: 6–16 s before recording could start on a WAL
//! database, and no copy progress at all on a rollback-journal one. Here we
//! poll every [`POLL`] instead, until the connection's busy timeout, which
//! lands in the gap between the service's transactions.

use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, Transaction, TransactionBehavior};

/// Pause between attempts: short enough to hit the gap between a busy
/// service's transactions, long enough not to spin a core.
pub const POLL: Duration = Duration::from_micros(250);

/// Runs `op`, retrying it every [`POLL`] while it fails with SQLITE_BUSY or
/// SQLITE_LOCKED, for as long as the connection's busy timeout allows. `op`
/// must do nothing before it takes its lock that a retry would repeat
/// (a `BEGIN`, or one autocommit statement).
pub fn with_lock<'c, T>(
    conn: &'c Connection,
    mut op: impl FnMut(&'c Connection) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let timeout_ms: i64 = conn.pragma_query_value(None, "busy_timeout", |r| r.get(0))?;
    let timeout = Duration::from_millis(timeout_ms.max(0) as u64);
    // Our own polling replaces SQLite's backoff for this one step.
    conn.busy_timeout(Duration::ZERO)?;
    let deadline = Instant::now() + timeout;
    let result = loop {
        match op(conn) {
            Err(e) if is_busy(&e) && Instant::now() < deadline => std::thread::sleep(POLL),
            other => break other,
        }
    };
    conn.busy_timeout(timeout)?;
    result
}

/// `BEGIN IMMEDIATE`, polling for the lock (see the module doc).
pub fn begin_immediate(conn: &Connection) -> rusqlite::Result<Transaction<'_>> {
    with_lock(conn, |c| {
        Transaction::new_unchecked(c, TransactionBehavior::Immediate)
    })
}

pub(crate) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked)
    )
}

/// A write lock a connection keeps after a commit, in a transaction that
/// writes nothing: other connections' writes wait on it. Released (the
/// empty transaction rolled back) when dropped.
pub struct HeldLock<'c>(&'c Connection);

impl<'c> HeldLock<'c> {
    /// The connection holding the lock, inside its transaction.
    pub fn conn(&self) -> &'c Connection {
        self.0
    }

    /// Commits what was written in the transaction since; releases the lock.
    pub fn commit(self) -> rusqlite::Result<()> {
        self.0.execute_batch("COMMIT")?;
        std::mem::forget(self);
        Ok(())
    }
}

impl Drop for HeldLock<'_> {
    fn drop(&mut self) {
        // Nothing was written in it; a failure leaves nothing to undo.
        let _ = self.0.execute_batch("ROLLBACK");
    }
}

/// Commits `tx` (a transaction on `conn`) and takes the write lock again
/// at once, in the same call into SQLite (no Rust in between): a write
/// waiting on the lock gets in only if it polls in those microseconds.
/// `None`: committed, but the lock went to another connection for longer
/// than the busy timeout. An error: not committed (rolled back).
pub fn commit_and_hold<'c>(
    conn: &'c Connection,
    mut tx: Transaction<'c>,
) -> rusqlite::Result<Option<HeldLock<'c>>> {
    // The batch below ends the transaction itself.
    tx.set_drop_behavior(rusqlite::DropBehavior::Ignore);
    drop(tx);
    match conn.execute_batch("COMMIT; BEGIN IMMEDIATE") {
        Ok(()) => Ok(Some(HeldLock(conn))),
        // Committed; BEGIN found the lock taken past the busy timeout.
        Err(_) if conn.is_autocommit() => Ok(None),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Paces a run of short transactions that change the schema (arming the
/// old database's guards, dropping the new one's inert guards) so that a
/// service writing between them gets through: after each commit every
/// other connection reloads the whole schema before its next statement,
/// and a statement that finds the schema changed again meanwhile is
/// retried by SQLite only so often before it fails with "database schema
/// has changed". So the lock is left free at least as long as it was held
/// and twice as long as a reload took a connection of our own (which grows
/// with the schema).
pub struct SchemaPace {
    probe: Connection,
}

impl SchemaPace {
    /// `probe`: a read-only connection to the database being changed.
    pub fn new(probe: Connection) -> SchemaPace {
        SchemaPace { probe }
    }

    /// After a commit that changed the schema and held the lock for `held`.
    /// Returns what the reload took: a transaction holding the lock about
    /// as long keeps the reloads a fraction of the work.
    pub fn after_commit(&self, held: Duration) -> rusqlite::Result<Duration> {
        let started = Instant::now();
        // The first statement after a schema change reloads it.
        self.probe
            .query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))?;
        let reload = started.elapsed();
        std::thread::sleep(held.max(2 * reload));
        Ok(reload)
    }
}
