//! Guard triggers: BEFORE each write of every user table, refusing it with
//! one line that says why and where to write instead.
//!
//! The old database after cutover is a *standby* while a revert window is
//! open, *retired* once it closes (`_mig_guard_*`, naming the new
//! database); cleanup-old keeps them (retired stays retired) and only
//! `release-old` drops them. The new database, while it says `migrating`,
//! refuses every write too (`_mig_migrating_*`, naming the old database):
//! created with its tables at migrate, dropped in cutover's transaction.
//!
//! mig's own writes (copy, replay, verify's repair, reverse replay) go
//! through connections with triggers disabled (`open::work`,
//! `open::revert_work`), so a guard needs no exception a service could
//! ever see: it refuses every write of every other connection, always.

use rusqlite::Connection;

use crate::engine::catalog::{lit, names_with_prefix, q, Catalog};
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::record::{self, MarkerStatus, MARKER_STATUSES};

/// Prefix of the old database's guard triggers.
pub const GUARD_PREFIX: &str = "_mig_guard_";

/// Prefix of the new database's guard triggers while it says `migrating`.
pub const MIGRATING_PREFIX: &str = "_mig_migrating_";

/// Which refusal the guard gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardKind {
    /// The old database during a revert window.
    Standby,
    /// The old database after cutover, the window closed or never opened.
    Retired,
    /// The new database before cutover.
    Migrating,
}

impl GuardKind {
    /// The prefix of this kind's trigger names.
    pub fn prefix(self) -> &'static str {
        match self {
            GuardKind::Standby | GuardKind::Retired => GUARD_PREFIX,
            GuardKind::Migrating => MIGRATING_PREFIX,
        }
    }
}

/// The error every write to a guarded database gets, naming `other_path`:
/// the new database for the old one's guards, the old one for the new's.
pub fn message(kind: GuardKind, other_path: &str) -> String {
    match kind {
        GuardKind::Standby => format!(
            "database is a standby of a cut-over migration (mig): writes are refused during the revert window; write to the new database {other_path} (`mig revert` makes this one writable again)"
        ),
        GuardKind::Retired => format!(
            "database is retired by a migration (mig): writes are refused; write to the new database {other_path} (`mig release-old` lets writes through here again)"
        ),
        GuardKind::Migrating => format!(
            "database is being migrated from {other_path} by mig: writes are refused until cutover makes it ready; the service keeps writing to {other_path} (`mig status` says where the migration is)"
        ),
    }
}

/// Installs guards of `kind` on every user table, inside the caller's
/// write transaction, replacing what they take over from: on the old
/// database (standby, retired) all of mig's triggers, on the new one
/// (migrating) only earlier migrating guards (a resumed migrate). Returns
/// the guards created.
pub fn install_in(tx: &Connection, kind: GuardKind, other_path: &str) -> Result<u32> {
    let replaced = match kind {
        GuardKind::Standby | GuardKind::Retired => record::mig_triggers(tx)?,
        GuardKind::Migrating => names_with_prefix(tx, "trigger", MIGRATING_PREFIX)?,
    };
    for t in replaced {
        tx.execute_batch(&format!("DROP TRIGGER {}", q(&t)))
            .ctx(|| format!("dropping trigger {t}"))?;
    }
    let msg = lit(&message(kind, other_path));
    let prefix = kind.prefix();
    let cat = Catalog::read(tx, "main")?;
    let mut n = 0;
    for t in &cat.tables {
        for (op, what) in [("i", "INSERT"), ("u", "UPDATE"), ("d", "DELETE")] {
            tx.execute_batch(&format!(
                "CREATE TRIGGER {} BEFORE {what} ON {} BEGIN SELECT RAISE(ABORT, {msg}); END;",
                q(&format!("{prefix}{op}_{}", t.name)),
                q(&t.name)
            ))
            .ctx(|| format!("guarding table {}", t.name))?;
            n += 1;
        }
    }
    Ok(n)
}

/// Drops the guard triggers of `kind`, inside the caller's transaction;
/// returns how many.
pub fn drop_in(tx: &Connection, kind: GuardKind) -> Result<u32> {
    let guards = names_with_prefix(tx, "trigger", kind.prefix())?;
    for g in &guards {
        tx.execute_batch(&format!("DROP TRIGGER {}", q(g)))
            .ctx(|| format!("dropping trigger {g}"))?;
    }
    Ok(guards.len() as u32)
}

/// Guard triggers on the old database.
pub fn count(conn: &Connection, schema: &str) -> Result<u64> {
    let n: i64 = conn
        .query_row(
            &format!(
                "SELECT count(*) FROM {}.sqlite_schema WHERE type = 'trigger' AND name LIKE '\\_mig\\_guard\\_%' ESCAPE '\\'",
                q(schema)
            ),
            [],
            |r| r.get(0),
        )
        .ctx(|| "counting guard triggers".into())?;
    Ok(n.max(0) as u64)
}

/// Moves the marker to `to` (from any of `from`), widening its CHECK first
/// when it was created by a mig that knew only recording and draining; then
/// records the catalog as it is now (the guards replaced the recording
/// triggers), so drift detection keeps watching for changes made since.
/// Inside the caller's transaction.
pub fn set_marker_in(tx: &Connection, from: &[MarkerStatus], to: MarkerStatus) -> Result<()> {
    let sql: String = tx
        .query_row(
            "SELECT sql FROM main.sqlite_schema WHERE name = '_migration_marker'",
            [],
            |r| r.get(0),
        )
        .ctx(|| "reading _migration_marker".into())?;
    if !sql.contains("'standby'") {
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
        tx.execute_batch(&format!(
            "ALTER TABLE _migration_marker RENAME TO _migration_marker_old;\n{};\nINSERT INTO _migration_marker SELECT * FROM _migration_marker_old;\nDROP TABLE _migration_marker_old;",
            widened.replacen("_migration_marker", "\"_migration_marker\"", 1)
        ))
        .ctx(|| "widening _migration_marker".into())?;
    }
    let current = record::read_marker(tx, "main")?.map(|m| m.status);
    if !current.is_some_and(|c| from.contains(&c) || c == to) {
        return Err(EngineError::Precondition(format!(
            "the old database's marker is {}, not {}; another mig is working on it: check `mig status`",
            current.map_or("missing", MarkerStatus::as_str),
            from.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" or ")
        )));
    }
    let catalog = record::catalog_listing(tx, "main")?;
    tx.execute(
        "UPDATE _migration_marker SET status = ?1, catalog = ?2, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = 1",
        [to.as_str(), catalog.as_str()],
    )
    .ctx(|| format!("switching the old database to {}", to.as_str()))?;
    Ok(())
}
