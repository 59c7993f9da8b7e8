//! Moving the marker's status (recording, draining, standby, retired):
//! the write that makes the old database refuse writes, checked against
//! drift before and, by schema version only, under its lock.

use rusqlite::Connection;

use super::{
    changes_at_version, changes_since_recorded, drift_error, schema_version, MarkerStatus,
};
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::lock;

/// Moves the marker from `from` to `to`; fails if it is not at `from`.
pub fn set_status(conn: &Connection, from: MarkerStatus, to: MarkerStatus) -> Result<()> {
    set_status_at(conn, from, to).map(|_| ())
}

/// [`set_status`], returning the instant its write lock was taken (from
/// then on the service's writes wait, and after the commit they see the
/// new status) and the old catalog's schema version under that lock.
///
/// Refusing writes (`to` = draining) also checks that the old catalog is
/// still the one recorded: a table created or a trigger dropped since
/// drain's own check (its catch-up can take minutes) would let writes
/// through unrecorded, and a dropped trigger would not even refuse them.
/// The catalog is listed and compared before the lock; under it only the
/// schema version is compared with the one read then (listed again under
/// the lock only if it changed meanwhile), so nothing the service waits
/// for grows with the schema. The marker is written first, so its
/// `updated_at` is as close as it can be to the moment writes began to
/// wait.
pub fn set_status_at(
    conn: &Connection,
    from: MarkerStatus,
    to: MarkerStatus,
) -> Result<(std::time::Instant, i64)> {
    let (tx, at, version) = switch_status(conn, from, to)?;
    tx.commit()
        .ctx(|| format!("switching the old database to {}", to.as_str()))?;
    Ok((at, version))
}

/// [`set_status_at`], keeping the write lock after the commit
/// ([`lock::commit_and_hold`]; `None` if another connection took it).
pub fn set_status_holding(
    conn: &Connection,
    from: MarkerStatus,
    to: MarkerStatus,
) -> Result<(std::time::Instant, i64, Option<lock::HeldLock<'_>>)> {
    let (tx, at, version) = switch_status(conn, from, to)?;
    let held = lock::commit_and_hold(conn, tx, "_migration_marker")
        .ctx(|| format!("switching the old database to {}", to.as_str()))?;
    Ok((at, version, held))
}

/// [`set_status_at`]'s transaction, before its commit.
fn switch_status(
    conn: &Connection,
    from: MarkerStatus,
    to: MarkerStatus,
) -> Result<(rusqlite::Transaction<'_>, std::time::Instant, i64)> {
    let what = || format!("switching the old database to {}", to.as_str());
    let seen = match to {
        MarkerStatus::Draining => Some(unchanged_before_lock(conn)?),
        _ => None,
    };
    let tx = lock::begin_immediate(conn).ctx(what)?;
    let at = std::time::Instant::now();
    let n = tx
        .execute(
            "UPDATE _migration_marker SET status = ?2, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = 1 AND status = ?1",
            [from.as_str(), to.as_str()],
        )
        .ctx(what)?;
    if n != 1 {
        return Err(EngineError::Precondition(format!(
            "the old database's marker is no longer {}; another mig is working on it: check `mig status`",
            from.as_str()
        )));
    }
    let version = schema_version(&tx)?;
    if seen.is_some_and(|v| v != version) {
        let changes = changes_since_recorded(&tx)?;
        if !changes.is_empty() {
            return Err(drift_error(&changes));
        }
    }
    Ok((tx, at, version))
}

/// The old catalog is still the one recorded, read without a lock; at
/// the schema version returned.
fn unchanged_before_lock(conn: &Connection) -> Result<i64> {
    let (changes, version) = changes_at_version(conn)?;
    match changes.is_empty() {
        true => Ok(version),
        false => Err(drift_error(&changes)),
    }
}
