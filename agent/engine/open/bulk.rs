//! The bulk load's journal and cache on the work connection: into a
//! rollback journal with the sync `migrate`'s window allows, and back to
//! WAL after (`open.rs` sets every other pragma).

use std::time::Duration;

use rusqlite::Connection;

use super::WORK_CACHE_KIB;
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::unsynced::Durability;

/// Page cache during the bulk load (see [`begin_bulk_load`]).
const BULK_CACHE_KIB: i64 = -16384;

/// Pragmas for the bulk load (copy and index builds) on the work
/// connection: a rollback journal instead of the WAL. The copy appends to
/// new pages, which a rollback journal never copies (only pages that existed
/// when the transaction began are journaled), so every row is written once;
/// through the WAL it is written twice (the WAL, then the checkpoint, which
/// measured a third of the copy's time) and checksummed.
/// `synchronous` as `durability` says: OFF while `unsynced.rs`'s marker
/// guards the window (a killed process loses nothing, the kernel holds its
/// writes; an OS crash makes the next `migrate` start the copy again), FULL
/// otherwise (each commit, cursor included, survives a power loss).
/// Nothing serves from the new database yet; the price of the rollback
/// journal (a reader waits for a commit) is paid only by `status`, and a
/// process killed mid-chunk leaves a hot journal that [`new_ro`] and the
/// next writer roll back.
pub fn begin_bulk_load(conn: &Connection, durability: Durability) -> Result<()> {
    // Before the switch: leaving WAL (a resumed copy) checkpoints, which
    // syncs unless the window is open.
    conn.pragma_update(Some("main"), "synchronous", synchronous(durability))
        .ctx(|| "setting synchronous".into())?;
    set_journal_mode(conn, "truncate")?;
    // Index builds sort in memory up to the cache size, on top of the cache
    // itself: half the usual cache keeps the two under the agent's memory
    // budget whatever the database's size.
    conn.pragma_update(Some("main"), "cache_size", BULK_CACHE_KIB)
        .ctx(|| "setting the cache size".into())
}

/// Back to WAL (see [`configure_work`]) once the bulk load is over:
/// catch-up, drain and the new service need readers that never block
/// writers. `synchronous=NORMAL` when every commit is synced; still OFF
/// while `unsynced.rs`'s window stays open (through `migrate`'s catch-up,
/// until its final sync).
pub fn end_bulk_load(conn: &Connection, durability: Durability) -> Result<()> {
    set_journal_mode(conn, "wal")?;
    conn.pragma_update(Some("main"), "cache_size", WORK_CACHE_KIB)
        .ctx(|| "setting the cache size".into())?;
    let after = match durability {
        Durability::EveryCommit => "NORMAL",
        Durability::Deferred => "OFF",
    };
    conn.pragma_update(Some("main"), "synchronous", after)
        .ctx(|| "setting synchronous".into())
}

/// The bulk load's `synchronous` for `durability`.
fn synchronous(durability: Durability) -> &'static str {
    match durability {
        Durability::EveryCommit => "FULL",
        Durability::Deferred => "OFF",
    }
}

/// Switches the main database's journal mode, waiting (up to the busy
/// timeout) for readers to finish: SQLite reports the mode it kept, not an
/// error, when a reader stops the switch.
fn set_journal_mode(conn: &Connection, mode: &str) -> Result<()> {
    let timeout_ms: i64 = conn
        .pragma_query_value(None, "busy_timeout", |r| r.get(0))
        .ctx(|| "reading the busy timeout".into())?;
    let deadline = std::time::Instant::now() + Duration::from_millis(timeout_ms.max(0) as u64);
    loop {
        let now: String = crate::engine::lock::with_lock(conn, |c| {
            c.pragma_update_and_check(Some("main"), "journal_mode", mode, |r| r.get(0))
        })
        .ctx(|| format!("setting journal_mode={mode} on the new database"))?;
        if now.eq_ignore_ascii_case(mode) {
            return Ok(());
        }
        if std::time::Instant::now() >= deadline {
            return Err(EngineError::Busy(format!(
                "the new database stayed in journal_mode={now} while another connection read it; re-run the command"
            )));
        }
        std::thread::sleep(crate::engine::lock::POLL);
    }
}
