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
///
/// While it is held, and in the commit that releases it, the connection
/// runs no automatic checkpoint (see [`commit_and_hold`]); its setting is
/// put back once the lock is released.
pub struct HeldLock<'c> {
    conn: &'c Connection,
    /// The connection's `wal_autocheckpoint` to put back.
    autocheckpoint: Option<i64>,
}

impl<'c> HeldLock<'c> {
    /// The connection holding the lock, inside its transaction.
    pub fn conn(&self) -> &'c Connection {
        self.conn
    }

    /// Commits what was written in the transaction since; releases the
    /// lock. The commit runs no checkpoint: SQLite would run it after the
    /// lock is free and before returning (hundreds of ms with the WAL
    /// drain's arming leaves), and a caller timing the refusal up to this
    /// return would count it (1,000 tables: 701 ms reported, 449 ms felt).
    pub fn commit(self) -> rusqlite::Result<()> {
        // On an error still inside the transaction: dropped, it rolls back.
        self.conn.execute_batch("COMMIT")?;
        restore_autocheckpoint(self.conn, self.autocheckpoint);
        std::mem::forget(self);
        Ok(())
    }
}

impl Drop for HeldLock<'_> {
    fn drop(&mut self) {
        // Nothing was written in it; a failure leaves nothing to undo.
        let _ = self.conn.execute_batch("ROLLBACK");
        restore_autocheckpoint(self.conn, self.autocheckpoint);
    }
}

/// Turns a connection's automatic checkpoints off; returns the setting
/// to put back with [`restore_autocheckpoint`] (`None`: not turned off).
/// A commit whose return ends a refusal figure makes no checkpoint that
/// way: SQLite runs it after the lock is free and before returning.
pub fn pause_autocheckpoint(conn: &Connection) -> Option<i64> {
    conn.pragma_query_value(None, "wal_autocheckpoint", |r| r.get::<_, i64>(0))
        .ok()
        .filter(|_| conn.pragma_update(None, "wal_autocheckpoint", 0).is_ok())
}

/// Puts a connection's automatic checkpoints back as they were. Best
/// effort: a setting not put back only leaves the checkpoints to the
/// service's connections and to the close.
pub fn restore_autocheckpoint(conn: &Connection, pages: Option<i64>) {
    if let Some(n) = pages {
        let _ = conn.pragma_update(None, "wal_autocheckpoint", n);
    }
}

/// Commits `tx` (a transaction on `conn`) and takes the write lock again
/// at once, in the same call into SQLite (no Rust in between): a write
/// waiting on the lock gets in only if it polls in those microseconds.
/// `None`: committed, but the lock went to another connection for longer
/// than the busy timeout. An error: not committed (rolled back).
///
/// The lock is taken again by a write to `table` (of `main`) that changes
/// nothing, not by `BEGIN IMMEDIATE`: that also opens a read transaction on
/// every database attached read-only, so the held transaction would read
/// them as they were at this instant. `drain --cutover` holds the old
/// database's lock from its freeze and only then replays the tail into the
/// new database it has attached: the old side's standby step, seeding the
/// revert maps from the new database in that transaction, missed the ids
/// of the tail's rows (a revert then refused: "old table Note differs from
/// the inverse of note at key NULL"). An attached database is read from
/// its first read in the transaction.
pub fn commit_and_hold<'c>(
    conn: &'c Connection,
    mut tx: Transaction<'c>,
    table: &str,
) -> rusqlite::Result<Option<HeldLock<'c>>> {
    // The batch below ends the transaction itself.
    tx.set_drop_behavior(rusqlite::DropBehavior::Ignore);
    drop(tx);
    // No automatic checkpoint in that COMMIT: SQLite runs it after the
    // lock is released and before the BEGIN, and with the WAL past its
    // threshold (drain's arming leaves it there) it copies pages and syncs
    // for milliseconds, in which a service's write took the lock, was
    // refused while the new database was not ready yet, and its readiness
    // check read the new schema with all its guards (1,000 tables: 159 ms
    // felt past mig's figure). Best effort: without it the flip is as
    // before. Put back when the held lock is released.
    let autocheckpoint = pause_autocheckpoint(conn);
    let retake = format!(
        "COMMIT; BEGIN; DELETE FROM main.{} WHERE 0",
        crate::engine::catalog::q(table)
    );
    let result = conn.execute_batch(&retake);
    // Still holding the write lock after an error: the COMMIT failed.
    let committed = result.is_ok()
        || !matches!(
            conn.transaction_state(Some(rusqlite::MAIN_DB)),
            Ok(rusqlite::TransactionState::Write)
        );
    match (result, committed) {
        (Ok(()), _) => Ok(Some(HeldLock {
            conn,
            autocheckpoint,
        })),
        // Committed; the write found the lock taken past the busy timeout
        // (its empty transaction rolled back).
        (Err(_), true) => {
            let _ = conn.execute_batch("ROLLBACK");
            restore_autocheckpoint(conn, autocheckpoint);
            Ok(None)
        }
        (Err(e), false) => {
            let _ = conn.execute_batch("ROLLBACK");
            restore_autocheckpoint(conn, autocheckpoint);
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
