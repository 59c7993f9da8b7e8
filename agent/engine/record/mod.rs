//! Recording on the old database: `_migration_marker`, `_migration_log` and
//! the triggers (`triggers.rs`) that log every write and refuse writes while
//! draining; installing and removing them; and drift detection
//! (`drift.rs`). Triggers log the key only; replay reads the current row.

mod bulk;
mod drift;
mod foreign;
mod install;
mod status;
pub(crate) mod triggers;

use rusqlite::{Connection, OptionalExtension};

use super::catalog::q;
use super::error::{EngineError, Result, SqlContext};
use super::lock;

pub use drift::{
    catalog_listing, catalog_listing_leaving, changes_at_version, changes_since_recorded, drift,
    listing_with_tables_like, listing_with_triggers, rerecord_tables_like_in, schema_version,
    views_only_advice,
};
pub use foreign::refuse_foreign;
pub use install::{install, InstallSpec, Installed};
pub use status::{set_status, set_status_at, set_status_holding};
pub(crate) use triggers::marker_kept;
pub use triggers::{carries, CARRIED, CARRIED_INLINE, MARKER_KEPT, MARKER_KEPT_MESSAGE, REFUSAL};

/// Every value `_migration_marker.status` may hold, as its CHECK lists them.
pub const MARKER_STATUSES: &str = "'recording', 'draining', 'standby', 'retired'";

/// The text of the error every write gets while the old database drains.
pub const DRAINING_MESSAGE: &str =
    "database is draining for a migration (mig): writes are refused until the new database takes over";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerStatus {
    Recording,
    Draining,
    /// Cut over with a revert window open: writes refused, mig's reverse
    /// replay writes through its own connection (`engine::revert`).
    Standby,
    /// Cut over, no revert possible any more: writes refused for good
    /// (until `mig release-old`).
    Retired,
}

impl MarkerStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MarkerStatus::Recording => "recording",
            MarkerStatus::Draining => "draining",
            MarkerStatus::Standby => "standby",
            MarkerStatus::Retired => "retired",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Marker {
    pub status: MarkerStatus,
    pub migration_id: String,
    pub new_path: String,
    pub schema_hash: String,
    pub started_at: String,
    /// When the status last changed (UTC, ms): for `draining`, when writes
    /// began to be refused.
    pub updated_at: String,
    /// The catalog as it was when recording started (see [`catalog_listing`]).
    pub catalog: String,
    /// The inode of the file recording was installed on: a copy of the
    /// database carries the marker but not the inode (`None`: not known).
    pub inode: Option<u64>,
}

/// Reads the marker of `schema` ("main" on an old-database connection,
/// "old" on a work connection). `None` when there is no marker table.
pub fn read_marker(conn: &Connection, schema: &str) -> Result<Option<Marker>> {
    if !has_table(conn, schema, "_migration_marker")? {
        return Ok(None);
    }
    // A marker written before the inode was recorded has no such column.
    let inode = if has_column(conn, schema, "_migration_marker", "inode")? {
        "inode"
    } else {
        "NULL"
    };
    let row = conn
        .query_row(
            &format!("SELECT status, migration_id, new_path, schema_hash, started_at, catalog, {inode}, updated_at FROM {}._migration_marker WHERE id = 1", q(schema)),
            [],
            |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get::<_, Option<i64>>(6)?, r.get(7)?)),
        )
        .optional()
        .ctx(|| "reading _migration_marker".into())?;
    let Some((status, migration_id, new_path, schema_hash, started_at, catalog, inode, updated_at)) =
        row
    else {
        return Ok(None);
    };
    let status = match status.as_str() {
        "recording" => MarkerStatus::Recording,
        "draining" => MarkerStatus::Draining,
        "standby" => MarkerStatus::Standby,
        "retired" => MarkerStatus::Retired,
        other => {
            return Err(EngineError::Drift(format!(
                "_migration_marker has status {other:?}, which mig never writes; someone edited it: run `mig reset` and migrate again"
            )))
        }
    };
    Ok(Some(Marker {
        status,
        migration_id,
        new_path,
        schema_hash,
        started_at,
        updated_at,
        catalog,
        inode: inode.map(|i| i as u64),
    }))
}

fn has_column(conn: &Connection, schema: &str, table: &str, column: &str) -> Result<bool> {
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM pragma_table_info(?1, ?2) WHERE name = ?3",
            [table, schema, column],
            |r| r.get(0),
        )
        .ctx(|| format!("reading the columns of {table}"))?;
    Ok(n > 0)
}

/// Milliseconds from `at` (a marker time) until now; `None` when `at` is
/// not one.
pub fn ms_since(at: &str) -> Option<f64> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs_f64()
        * 1000.0;
    Some((now - unix_ms(at)? as f64).max(0.0))
}

/// A marker time (`YYYY-MM-DDTHH:MM:SS.sssZ`, UTC, as SQLite's `strftime`
/// writes it) in ms since the Unix epoch.
pub fn unix_ms(at: &str) -> Option<i64> {
    let (date, time) = at.strip_suffix('Z')?.split_once('T')?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.splitn(3, ':');
    let (h, min) = (
        t.next()?.parse::<i64>().ok()?,
        t.next()?.parse::<i64>().ok()?,
    );
    let secs: f64 = t.next()?.parse().ok()?;
    // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
    // days_from_civil).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + day - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    Some(((days * 24 + h) * 60 + min) * 60_000 + (secs * 1000.0).round() as i64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn marker_times_are_unix_milliseconds() {
        assert_eq!(super::unix_ms("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(
            super::unix_ms("2000-03-01T12:34:56.789Z"),
            Some(951_914_096_789)
        );
        assert_eq!(
            super::unix_ms("2026-11-30T23:59:59.999Z"),
            Some(1_796_083_199_999)
        );
        assert_eq!(super::unix_ms("not a time"), None);
    }
}

pub fn has_table(conn: &Connection, schema: &str, name: &str) -> Result<bool> {
    let n: i64 = conn
        .query_row(
            &format!(
                "SELECT count(*) FROM {}.sqlite_schema WHERE type = 'table' AND name = ?1",
                q(schema)
            ),
            [name],
            |r| r.get(0),
        )
        .ctx(|| format!("looking for {name}"))?;
    Ok(n > 0)
}

/// The newest log sequence number (0 when empty or absent).
pub fn log_max(conn: &Connection, schema: &str) -> Result<u64> {
    if !has_table(conn, schema, "_migration_log")? {
        return Ok(0);
    }
    let n: i64 = conn
        .query_row(
            &format!(
                "SELECT coalesce(max(seq), 0) FROM {}._migration_log",
                q(schema)
            ),
            [],
            |r| r.get(0),
        )
        .ctx(|| "reading _migration_log".into())?;
    Ok(n.max(0) as u64)
}

/// Entries after `checkpoint`, and the age in seconds of the oldest of them.
pub fn pending(conn: &Connection, schema: &str, checkpoint: u64) -> Result<(u64, f64)> {
    if !has_table(conn, schema, "_migration_log")? {
        return Ok((0, 0.0));
    }
    let (n, age): (i64, Option<f64>) = conn
        .query_row(
            &format!(
                "SELECT count(*), (julianday('now') - min(at)) * 86400.0 FROM {}._migration_log WHERE seq > ?1",
                q(schema)
            ),
            [checkpoint as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ctx(|| "reading _migration_log".into())?;
    Ok((n.max(0) as u64, age.unwrap_or(0.0).max(0.0)))
}

/// Records in the marker's catalog the triggers `changed` as they are now
/// (created, altered or dropped), the rest as recorded: drift detection
/// goes on watching after mig changed its own triggers. Inside the
/// caller's write transaction.
pub fn record_triggers_in(tx: &Connection, changed: &[String]) -> Result<()> {
    let recorded = read_marker(tx, "main")?
        .map(|m| m.catalog)
        .unwrap_or_default();
    let catalog = listing_with_triggers(tx, &recorded, changed)?;
    tx.execute(
        "UPDATE _migration_marker SET catalog = ?1 WHERE id = 1",
        [catalog.as_str()],
    )
    .ctx(|| "recording the old catalog".into())?;
    Ok(())
}

/// The refusal for a changed old catalog: what changed, why it matters and
/// the way out.
pub fn drift_error(changes: &[String]) -> EngineError {
    let what = changes.join(", ");
    EngineError::Drift(match views_only_advice(changes) {
        Some(advice) => format!("the old database was changed outside the recorded path ({what}); {advice}"),
        None => format!("the old database was changed outside the recorded path ({what}); writes may have gone unrecorded: run `mig reset` and migrate again"),
    })
}

#[derive(Debug, Clone, Default)]
pub struct Removed {
    pub previous_status: Option<MarkerStatus>,
    pub marker: bool,
    pub log: bool,
    pub triggers: u32,
}

/// What [`remove`] requires of the marker, checked inside its transaction
/// so that nothing changes between the caller's decision and the drop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Remove whatever is there (`reset`).
    Any,
    /// The marker must still be what the caller decided on.
    Unchanged(Option<MarkerStatus>),
}

/// Drops the triggers, the log and the marker in one transaction.
pub fn remove(conn: &mut Connection, guard: Guard) -> Result<Removed> {
    let tx = lock::begin_immediate(conn).ctx(|| "locking the old database".into())?;
    let removed = remove_in(&tx, guard)?;
    crate::engine::failpoint::hit("remove.before-commit");
    tx.commit().ctx(|| "committing the cleanup".into())?;
    crate::engine::failpoint::hit("remove.after-commit");
    Ok(removed)
}

/// [`remove`] inside the caller's write transaction on the old database:
/// every `_mig_` trigger (recording or guard), the log and the marker.
pub fn remove_in(tx: &Connection, guard: Guard) -> Result<Removed> {
    let tables = remove_tables_in(tx, guard)?;
    let triggers = mig_triggers(tx)?;
    for t in &triggers {
        tx.execute_batch(&format!("DROP TRIGGER {}", q(t)))
            .ctx(|| format!("dropping trigger {t}"))?;
    }
    Ok(Removed {
        triggers: triggers.len() as u32,
        ..tables
    })
}

/// The log and the marker, inside the caller's write transaction (the
/// triggers dropped already, or left: cleanup-old's retired guards).
pub fn remove_tables_in(tx: &Connection, guard: Guard) -> Result<Removed> {
    let marker = read_marker(tx, "main")?;
    let previous_status = marker.as_ref().map(|m| m.status);
    if let Guard::Unchanged(expected) = guard {
        if expected != previous_status {
            return Err(EngineError::Precondition(
                "the old database's migration marker changed while this command ran; another mig is working on it: check `mig status`".into(),
            ));
        }
    }
    let log = has_table(tx, "main", "_migration_log")?;
    if log {
        tx.execute_batch("DROP TABLE _migration_log")
            .ctx(|| "dropping _migration_log".into())?;
    }
    // The helper view the recording triggers refuse through, its trigger
    // with it (none in a recording by an older mig).
    tx.execute_batch(&format!("DROP VIEW IF EXISTS {REFUSAL}"))
        .ctx(|| format!("dropping {REFUSAL}"))?;
    let had_marker = has_table(tx, "main", "_migration_marker")?;
    if had_marker {
        tx.execute_batch("DROP TABLE _migration_marker")
            .ctx(|| "dropping _migration_marker".into())?;
    }
    Ok(Removed {
        previous_status,
        marker: had_marker,
        log,
        triggers: 0,
    })
}

/// Names of mig's triggers (`_mig_*`) on the old database, but the
/// helper view's ([`REFUSAL`]), which goes with the view
/// ([`remove_tables_in`]).
pub fn mig_triggers(conn: &Connection) -> Result<Vec<String>> {
    let mut names = crate::engine::catalog::names_with_prefix(conn, "trigger", "_mig_")?;
    names.retain(|n| n != REFUSAL);
    Ok(names)
}

/// Recording triggers present on the old database (not the helper view's).
pub fn trigger_count(conn: &Connection, schema: &str) -> Result<u64> {
    let n: i64 = conn
        .query_row(
            &format!("SELECT count(*) FROM {}.sqlite_schema WHERE type = 'trigger' AND name LIKE '\\_mig\\_%' ESCAPE '\\' AND name NOT LIKE '\\_mig\\_guard\\_%' ESCAPE '\\' AND name <> ?1", q(schema)),
            [REFUSAL],
            |r| r.get(0),
        )
        .ctx(|| "counting recording triggers".into())?;
    Ok(n.max(0) as u64)
}
