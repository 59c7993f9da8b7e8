//! The old database's marker moved between statuses (recording, draining,
//! standby, retired) inside the caller's transaction, its CHECK widened
//! first when an older mig created it, and the catalog recorded after (the
//! guards' changes are mig's own, not drift).

use rusqlite::Connection;

use super::settle;
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::record::{self, MarkerStatus, MARKER_STATUSES};

/// Moves the marker to `to` (from any of `from`), widening its CHECK first
/// when it was created by a mig that knew only recording and draining; then
/// records the catalog as it is now (the guards replaced the recording
/// triggers), so drift detection keeps watching for changes made since.
/// Inside the caller's transaction.
pub fn set_marker_in(tx: &Connection, from: &[MarkerStatus], to: MarkerStatus) -> Result<()> {
    widen_marker_in(tx)?;
    switch_marker_in(tx, from, to)?;
    record_catalog_in(tx)
}

/// Widens the CHECK of a marker created by a mig that knew only recording
/// and draining; whether it did.
pub(super) fn widen_marker_in(tx: &Connection) -> Result<bool> {
    let sql: String = tx
        .query_row(
            "SELECT sql FROM main.sqlite_schema WHERE name = '_migration_marker'",
            [],
            |r| r.get(0),
        )
        .ctx(|| "reading _migration_marker".into())?;
    if sql.contains("'standby'") {
        return Ok(false);
    }
    let widened = sql.replacen(
        "CHECK (status IN ('recording', 'draining'))",
        &format!("CHECK (status IN ({MARKER_STATUSES}))"),
        1,
    );
    if widened == sql {
        return Err(EngineError::Drift(
            "_migration_marker is not as mig created it; someone edited it: run `mig status`"
                .into(),
        ));
    }
    // The trigger keeping the marker's row goes with the table renamed and
    // dropped below; made again on the widened one.
    let kept = has_marker_kept(tx)?;
    // The legacy rename leaves the triggers that read the marker by name
    // (an older mig's recording triggers, the helper's) as they are: the
    // default one rewrites them to the table dropped below, and every write
    // they fire on then fails with "no such table".
    tx.pragma_update(None, "legacy_alter_table", true)
        .ctx(|| "widening _migration_marker".into())?;
    let widen = tx.execute_batch(&format!(
        "ALTER TABLE _migration_marker RENAME TO _migration_marker_old;\n{};\nINSERT INTO _migration_marker SELECT * FROM _migration_marker_old;\nDROP TABLE _migration_marker_old;",
        widened.replacen("_migration_marker", "\"_migration_marker\"", 1)
    ));
    let back = tx.pragma_update(None, "legacy_alter_table", false);
    widen
        .and(back)
        .ctx(|| "widening _migration_marker".into())?;
    if kept {
        tx.execute_batch(&record::marker_kept())
            .ctx(|| "widening _migration_marker".into())?;
    }
    Ok(true)
}

/// Whether the marker has the trigger keeping its row (one a mig before
/// it made has not).
fn has_marker_kept(tx: &Connection) -> Result<bool> {
    tx.query_row(
        "SELECT count(*) FROM main.sqlite_schema WHERE type = 'trigger' AND name = ?1",
        [record::MARKER_KEPT],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
    .ctx(|| "reading _migration_marker".into())
}

/// The marker's status to `to`, if it is one of `from` (or `to` already).
pub(super) fn switch_marker_in(
    tx: &Connection,
    from: &[MarkerStatus],
    to: MarkerStatus,
) -> Result<()> {
    let current = record::read_marker(tx, "main")?.map(|m| m.status);
    if !current.is_some_and(|c| from.contains(&c) || c == to) {
        return Err(EngineError::Precondition(format!(
            "the old database's marker is {}, not {}; another mig is working on it: check `mig status`",
            current.map_or("missing", MarkerStatus::as_str),
            from.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" or ")
        )));
    }
    tx.execute(
        "UPDATE _migration_marker SET status = ?1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = 1",
        [to.as_str()],
    )
    .ctx(|| format!("switching the old database to {}", to.as_str()))?;
    Ok(())
}

/// Records the old catalog as it is now in the marker, keeping the tables
/// left to their owner that it recorded (so later drift checks still leave
/// them out).
fn record_catalog_in(tx: &Connection) -> Result<()> {
    settle::record_listing_in(tx, &settle::listing_now(tx)?)
}
