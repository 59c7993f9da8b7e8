//! Guard triggers: BEFORE each write of every user table, refusing it with
//! one line that says why and where to write instead.
//!
//! The old database after cutover is a *standby* while a revert window is
//! open, *retired* once it closes (`_mig_guard_*`, naming the new
//! database); cleanup-old keeps them (retired stays retired) and only
//! `release-old` drops them. The new database, while it says `migrating`,
//! refuses every write too (`_mig_migrating_*`, naming the old database):
//! created with its tables at migrate, inert from the commit that makes it
//! ready, dropped after the cutover in short transactions ([`migrating`]).
//!
//! mig's own writes (copy, replay, verify's repair, reverse replay) go
//! through connections with triggers disabled (`open::work`,
//! `open::revert_work`), so a guard needs no exception a service could
//! ever see: it refuses every write of every other connection, always.
//!
//! Until cleanup-old the old database needs no guard of its own: migrate's
//! recording triggers carry the standby and retired refusals ([`carried`]:
//! each inserts into one helper view whose trigger raises the refusal the
//! marker's status picks), so drain changes no schema while writes
//! flow and cutover's step on the old database is one row's update
//! ([`settle_in`]), its reading done before the lock ([`SettlePlan`]). A
//! recording made by an older mig does not carry them: drain then *arms*
//! guards beside it while writes still flow ([`arm`], the fallback),
//! inert while the marker says recording or draining, refusing once it
//! says standby or retired. cleanup-old, which drops the marker, installs
//! unconditional guards ([`install_in`], `guard/retire.rs`).

use rusqlite::Connection;

use crate::engine::catalog::{lit, names_with_prefix, q, with_prefix, Catalog};
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::paced;
use crate::engine::record::{self, record_triggers_in, MarkerStatus};

mod carried;
mod marker;
pub mod migrating;
pub mod retire;
mod settle;

pub use carried::{carried, count, count_carrying, count_guards};
pub use marker::set_marker_in;
use marker::{switch_marker_in, widen_marker_in};
pub use settle::{settle_in, SettlePlan};

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

/// The writes a guard refuses, one trigger each: (name letter, statement).
const OPS: [(&str, &str); 3] = [("i", "INSERT"), ("u", "UPDATE"), ("d", "DELETE")];

/// The condition of an armed guard: true once cutover switched the marker.
/// Part of the trigger's text, which is how [`armed`] recognises one.
const ARMED_WHEN: &str =
    "WHEN (SELECT status FROM _migration_marker WHERE id = 1) IN ('standby', 'retired')";

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
    drop_all(tx, &replaced)?;
    let msg = lit(&message(kind, other_path));
    let when = match kind {
        GuardKind::Standby | GuardKind::Retired => "",
        GuardKind::Migrating => migrating::WHEN,
    };
    create_each(
        tx,
        kind.prefix(),
        &format!("{when} BEGIN SELECT RAISE(ABORT, {msg}); END"),
    )
}

/// Creates `prefix` guards with `body` (what follows `ON table`) for every
/// write of every user table; returns how many.
fn create_each(tx: &Connection, prefix: &str, body: &str) -> Result<u32> {
    let mut n = 0;
    for t in &Catalog::read(tx, "main")?.tables {
        for (op, what) in OPS {
            tx.execute_batch(&format!(
                "CREATE TRIGGER {} BEFORE {what} ON {} {body};",
                q(&format!("{prefix}{op}_{}", t.name)),
                q(&t.name)
            ))
            .ctx(|| format!("guarding table {}", t.name))?;
            n += 1;
        }
    }
    Ok(n)
}

fn drop_all(tx: &Connection, triggers: &[String]) -> Result<()> {
    for t in triggers {
        tx.execute_batch(&format!("DROP TRIGGER {}", q(t)))
            .ctx(|| format!("dropping trigger {t}"))?;
    }
    Ok(())
}

/// Arms the old database's guards while writes still flow (drain, before
/// its freeze), unless its recording triggers carry the refusals
/// ([`carried`]: nothing to do) — the fallback for a migration recorded by
/// an older mig: standby and retired guards on every user table, inert until
/// cutover switches the marker ([`settle_in`]). In short write transactions
/// (each holds the lock at most [`ARM_HOLD`] or half a schema reload,
/// `paced.rs`: SQLite's CREATE TRIGGER scans
/// the whole schema, so thousands in one transaction would make the
/// service's writes wait seconds), each of which first refuses a catalog
/// changed since recording started (the full comparison when the schema
/// changed since the last one's commit, else its version), widens a marker
/// created by an older mig to the statuses the guards read, and records the
/// catalog with the guards in it (so drift detection goes on watching).
/// An arm cut short is completed by the next. Returns the guards armed (0:
/// they already were, and nothing was written).
pub fn arm(conn: &Connection, new_path: &str) -> Result<u32> {
    if armed(conn)?.is_some() || carried(conn)?.is_some() {
        return Ok(0);
    }
    // Planned and checked in one read, without the lock: each transaction
    // checks the catalog is still the one the plan was made from (by its
    // version; listed and compared in full only when it changed since).
    let (todo, version) = arming_plan(conn, &armed_body(new_path))?;
    let pacing = paced::Pacing {
        hold: ARM_HOLD,
        what: "arming the old database's guards",
        failpoints: (None, None),
        last: paced::Last::Pause,
    };
    let mut arming = Arming {
        checked: Some(version),
    };
    paced::run(conn, &todo, &pacing, &mut arming)?;
    Ok(todo.iter().filter(|s| s.sql.starts_with("CREATE")).count() as u32)
}

/// One arming transaction's checks and bookkeeping.
struct Arming {
    /// The schema version the plan was read at, then the one the last
    /// arming transaction committed.
    checked: Option<i64>,
}

impl paced::Batch for Arming {
    fn before(&mut self, tx: &Connection) -> Result<()> {
        refuse_drift_in(tx, self.checked)?;
        // The marker's line recorded as widened, so drift does not report
        // mig's own change.
        if widen_marker_in(tx)? {
            record::rerecord_tables_like_in(tx, "_migration_marker")?;
        }
        Ok(())
    }

    fn after(&mut self, tx: &Connection, changed: &[String]) -> Result<()> {
        record_triggers_in(tx, changed)?;
        self.checked = Some(schema_version(tx)?);
        Ok(())
    }
}

/// What one arming transaction may hold the old database's write lock for
/// at most, or half a schema reload when that is more (`paced.rs`; at
/// least one statement each time).
pub const ARM_HOLD: std::time::Duration = std::time::Duration::from_millis(25);

/// The statements that arm the guards — drop the guards that are not armed
/// ones (an older mig's, a table's gone), create the armed ones missing
/// (all, or the rest of an arm cut short) — and the schema version they
/// were planned at, after checking in the same read that the marker
/// records and the catalog is the recorded one.
fn arming_plan(conn: &Connection, body: &str) -> Result<(Vec<paced::Step>, i64)> {
    let what = || "reading the old database's catalog".to_string();
    let conn = &conn.unchecked_transaction().ctx(what)?;
    refuse_drift_in(conn, None)?;
    let version = schema_version(conn)?;
    let existing: std::collections::HashMap<String, bool> = guard_sql(conn)?
        .into_iter()
        .map(|(g, sql)| (g, sql.contains(ARMED_WHEN)))
        .collect();
    let mut wanted = std::collections::HashSet::new();
    let mut creates = Vec::new();
    for t in &Catalog::read(conn, "main")?.tables {
        for (op, what) in OPS {
            let name = format!("{GUARD_PREFIX}{op}_{}", t.name);
            if existing.get(&name) != Some(&true) {
                creates.push(paced::Step {
                    sql: format!(
                        "CREATE TRIGGER {} BEFORE {what} ON {} {body};",
                        q(&name),
                        q(&t.name)
                    ),
                    trigger: name.clone(),
                    what: format!("guarding table {}", t.name),
                });
            }
            wanted.insert(name);
        }
    }
    let mut plan: Vec<paced::Step> = existing
        .iter()
        .filter(|(g, armed)| !**armed || !wanted.contains(*g))
        .map(|(g, _)| paced::Step {
            sql: format!("DROP TRIGGER {}", q(g)),
            trigger: g.clone(),
            what: format!("dropping trigger {g}"),
        })
        .collect();
    plan.extend(creates);
    Ok((plan, version))
}

/// Inside an arming transaction (or the read that plans them): the marker
/// still records, and the catalog is the recorded one — unchanged since
/// `checked` (the schema version the plan was read at, or the last arming
/// transaction committed), or compared in full.
fn refuse_drift_in(tx: &Connection, checked: Option<i64>) -> Result<()> {
    let marker = record::read_marker(tx, "main")?
        .filter(|m| m.status == MarkerStatus::Recording)
        .ok_or_else(|| {
            EngineError::Precondition(
                "the old database's marker is no longer recording; another mig is working on it: check `mig status`".into(),
            )
        })?;
    if checked.is_some() && checked == Some(schema_version(tx)?) {
        return Ok(());
    }
    let changes = record::drift(&marker.catalog, &record::catalog_listing(tx, "main")?);
    if !changes.is_empty() {
        return Err(record::drift_error(&changes));
    }
    Ok(())
}

/// The old database's schema version (SQLite bumps it on every change).
pub fn schema_version_of(conn: &Connection) -> Result<i64> {
    schema_version(conn)
}

/// Guards that refuse writes whatever the marker says (cleanup-old's).
pub fn count_unconditional(conn: &Connection) -> Result<u32> {
    Ok(guard_sql(conn)?
        .iter()
        .filter(|(_, sql)| !sql.contains(ARMED_WHEN))
        .count() as u32)
}

fn schema_version(conn: &Connection) -> Result<i64> {
    conn.pragma_query_value(Some("main"), "schema_version", |r| r.get(0))
        .ctx(|| "reading the schema version".into())
}

/// What follows `ON table` in an armed guard: the standby's refusal or the
/// retired one's, as the marker says.
fn armed_body(new_path: &str) -> String {
    format!(
        "{ARMED_WHEN} BEGIN SELECT RAISE(ABORT, {}) WHERE (SELECT status FROM _migration_marker WHERE id = 1) = 'standby'; SELECT RAISE(ABORT, {}); END",
        lit(&message(GuardKind::Standby, new_path)),
        lit(&message(GuardKind::Retired, new_path))
    )
}

/// `Some(guards)` when every user table has its three armed guards and no
/// other guard exists; `None` otherwise (never armed, armed by nothing
/// this mig knows, or a table created since). Reads only.
pub fn armed(conn: &Connection) -> Result<Option<u32>> {
    let guards = guard_sql(conn)?;
    let mut n = 0;
    for t in &Catalog::read(conn, "main")?.tables {
        for (op, _) in OPS {
            let name = format!("{GUARD_PREFIX}{op}_{}", t.name);
            if !guards
                .iter()
                .any(|(g, sql)| *g == name && sql.contains(ARMED_WHEN))
            {
                return Ok(None);
            }
            n += 1;
        }
    }
    Ok((guards.len() == n as usize).then_some(n))
}

/// The old database's guard triggers, with their SQL.
fn guard_sql(conn: &Connection) -> Result<Vec<(String, String)>> {
    with_prefix(conn, "trigger", GUARD_PREFIX)
}

/// Drops the guard triggers of `kind`, inside the caller's transaction;
/// returns how many.
pub fn drop_in(tx: &Connection, kind: GuardKind) -> Result<u32> {
    let guards = names_with_prefix(tx, "trigger", kind.prefix())?;
    drop_all(tx, &guards)?;
    Ok(guards.len() as u32)
}
