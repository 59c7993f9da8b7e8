//! The new database's guards while it says `migrating` (`_mig_migrating_*`):
//! conditional on the new database's own status row, so they refuse
//! writes exactly while it migrates. Cutover's transaction, the one that
//! makes it ready, removes every one of them in one statement
//! ([`drop_all_in`]): the new service's connections, opening the database
//! at readiness, then read the user's schema only (a few ms at 1,000
//! tables), not thousands of inert triggers (~45 ms per connection at
//! 3,000, and 100-230 ms on a loaded machine; measured in
//! `tests/outage_tables.rs`), and no sweep runs after the cutover.
//! SQLite's DROP TRIGGER scans the whole schema for each trigger (~0.3 ms
//! apiece at 3,000, ~1 s in all), so the removal deletes their rows from
//! `sqlite_schema` directly, the documented procedure for schema changes
//! that touch no table's content: `writable_schema` on, the rows deleted,
//! `schema_version` raised by one (every connection, ours included, reads
//! the schema again), `writable_schema` off — in the caller's transaction,
//! so a crash leaves either every guard or none. [`sweep`] removes the
//! inert guards an older mig left behind the same way.

use rusqlite::Connection;

use super::MIGRATING_PREFIX;
use crate::engine::catalog::names_with_prefix;
use crate::engine::error::{Result, SqlContext};
use crate::engine::lock;
use crate::engine::new_side::{self, MigrationStatus};

/// The condition of a migrating guard: the new database still says
/// migrating. Read in the statement the trigger fires for, so the commit
/// that changes the status switches every guard at once.
pub(super) const WHEN: &str =
    "WHEN (SELECT status FROM _migration_status WHERE id = 1) = 'migrating'";

/// Inside cutover's transaction (after the status row says ready):
/// removes every migrating guard (see the module doc). Returns how many.
pub fn drop_all_in(tx: &Connection) -> Result<u32> {
    let n = names_with_prefix(tx, "trigger", MIGRATING_PREFIX)?.len() as u32;
    if n == 0 {
        return Ok(0);
    }
    let what = || "removing the migrating guards".to_string();
    let version: i64 = tx
        .pragma_query_value(Some("main"), "schema_version", |r| r.get(0))
        .ctx(what)?;
    tx.pragma_update(None, "writable_schema", true).ctx(what)?;
    let deleted = delete_guard_rows(tx, version);
    // Off again whatever happened: the flag belongs to the connection.
    let off = tx.pragma_update(None, "writable_schema", false).ctx(what);
    let deleted = deleted?;
    off?;
    Ok(deleted)
}

/// With `writable_schema` on: deletes the guards' rows and raises the
/// schema version from `version`. Triggers own no pages, so their rows
/// are all of them.
fn delete_guard_rows(tx: &Connection, version: i64) -> Result<u32> {
    let what = || "removing the migrating guards".to_string();
    let deleted = tx
        .execute(
            "DELETE FROM main.sqlite_schema WHERE type = 'trigger' AND substr(name, 1, length(?1)) = ?1",
            [MIGRATING_PREFIX],
        )
        .ctx(what)?;
    tx.pragma_update(Some("main"), "schema_version", version + 1)
        .ctx(what)?;
    Ok(deleted as u32)
}

/// Removes the migrating guards an older mig left inert (it dropped them
/// after its cutover, and could be killed midway), in one short
/// transaction, once the new database no longer says migrating.
/// Idempotent; nothing happens while it migrates. Returns how many.
pub fn sweep(conn: &Connection) -> Result<u32> {
    // Most calls find none: read before taking the write lock.
    if names_with_prefix(conn, "trigger", MIGRATING_PREFIX)?.is_empty() {
        return Ok(0);
    }
    let what = || "removing the inert guards".to_string();
    let tx = lock::begin_immediate(conn).ctx(what)?;
    if new_side::read_status(&tx, "main")?.is_none_or(|s| s == MigrationStatus::Migrating) {
        return Ok(0);
    }
    let n = drop_all_in(&tx)?;
    tx.commit().ctx(what)?;
    Ok(n)
}
