//! cleanup-old's schema work on the old database, in short paced
//! transactions rather than one (at 1,000 tables: 9,000 triggers dropped
//! and created, 4.3 s under the lock): each armed guard replaced by its
//! unconditional retired twin (dropped and created in the same transaction,
//! so no table is ever unguarded), then every recording trigger dropped
//! (the guards refuse every write before one could fire). With a release,
//! every mig trigger is dropped instead. Every transaction first checks the
//! marker is still what the caller decided on and records the changed
//! triggers in its catalog, so a cleanup killed midway leaves a retired old
//! database that refuses every write, shows no drift, and whose next
//! cleanup-old plans only what is left. The caller drops the marker and the
//! log afterwards, in a transaction of its own.

use std::time::Duration;

use rusqlite::Connection;

use super::{guard_sql, message, record_triggers_in, GuardKind, GUARD_PREFIX, OPS};
use crate::engine::catalog::{lit, q, Catalog};
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::paced::{self, Step};
use crate::engine::record::{self, MarkerStatus};

/// What one cleanup transaction may hold the old database's write lock for
/// at most, or half a schema reload when that is more (see `paced.rs`).
pub const RETIRE_HOLD: Duration = Duration::from_millis(25);

/// What cleanup-old leaves refusing writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leave {
    /// Unconditional retired guards (they outlive the marker).
    Retired,
    /// Nothing: `--release`.
    Nothing,
}

/// What the paced run did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Retired {
    /// Recording triggers dropped.
    pub recording_dropped: u32,
    /// Guards dropped (a release).
    pub guards_dropped: u32,
    /// The schema version the run left (its last commit's): the caller's
    /// last transaction goes the short way only while it is the same.
    pub version: i64,
}

/// Runs cleanup-old's trigger work on `conn` (the old database) in paced
/// transactions, each refusing to go on once the marker is not `expected`.
pub fn retire_paced(
    conn: &Connection,
    (leave, new_path): (Leave, &str),
    expected: Option<MarkerStatus>,
) -> Result<Retired> {
    let (steps, mut done) = plan(conn, leave, new_path)?;
    if steps.is_empty() {
        return Ok(done);
    }
    let pacing = paced::Pacing {
        hold: RETIRE_HOLD,
        what: "cleaning up the old database",
        failpoints: (None, Some("cleanup.after-batch")),
        last: paced::Last::Pause,
    };
    let mut batch = Retiring {
        expected,
        version: done.version,
    };
    paced::run(conn, &steps, &pacing, &mut batch)?;
    done.version = batch.version;
    Ok(done)
}

/// One cleanup transaction's checks and bookkeeping.
struct Retiring {
    expected: Option<MarkerStatus>,
    /// The schema version the last transaction committed.
    version: i64,
}

impl paced::Batch for Retiring {
    fn before(&mut self, tx: &Connection) -> Result<()> {
        require_marker_in(tx, self.expected)
    }

    fn after(&mut self, tx: &Connection, changed: &[String]) -> Result<()> {
        if self.expected.is_some() {
            // A marker to keep current (not after a cleanup: a release).
            record_triggers_in(tx, changed)?;
        }
        self.version = super::schema_version(tx)?;
        Ok(())
    }
}

/// The marker is still what the caller decided on (another mig could have
/// changed it between two transactions).
fn require_marker_in(tx: &Connection, expected: Option<MarkerStatus>) -> Result<()> {
    let now = record::read_marker(tx, "main")?.map(|m| m.status);
    if now != expected {
        return Err(EngineError::Precondition(
            "the old database's migration marker changed while this command ran; another mig is working on it: check `mig status`".into(),
        ));
    }
    Ok(())
}

/// The steps left, in order (guards first, so every table stays guarded),
/// and the counts they will make.
fn plan(conn: &Connection, leave: Leave, new_path: &str) -> Result<(Vec<Step>, Retired)> {
    // One snapshot: the steps and the version they were planned at.
    let what = || "reading the old database's triggers".to_string();
    let conn = &conn.unchecked_transaction().ctx(what)?;
    let guards = guard_sql(conn)?;
    let mut steps = match leave {
        Leave::Retired => guard_steps(conn, &guards, new_path)?,
        Leave::Nothing => guards.iter().map(|(g, _)| drop_step(g)).collect(),
    };
    let guards_dropped = steps.len() as u32 * u32::from(leave == Leave::Nothing);
    let recording: Vec<Step> = record::mig_triggers(conn)?
        .iter()
        .filter(|t| !t.starts_with(GUARD_PREFIX))
        .map(|t| drop_step(t))
        .collect();
    let done = Retired {
        recording_dropped: recording.len() as u32,
        guards_dropped,
        version: super::schema_version(conn)?,
    };
    steps.extend(recording);
    Ok((steps, done))
}

/// Each user table's retired guards, unconditional: created where missing,
/// replacing (in one step) a guard of other text.
fn guard_steps(
    conn: &Connection,
    guards: &[(String, String)],
    new_path: &str,
) -> Result<Vec<Step>> {
    let existing: std::collections::HashMap<&str, &str> = guards
        .iter()
        .map(|(g, sql)| (g.as_str(), sql.as_str()))
        .collect();
    let msg = lit(&message(GuardKind::Retired, new_path));
    let mut steps = Vec::new();
    for t in &Catalog::read(conn, "main")?.tables {
        for (op, what) in OPS {
            let name = format!("{GUARD_PREFIX}{op}_{}", t.name);
            let create = format!(
                "CREATE TRIGGER {} BEFORE {what} ON {}  BEGIN SELECT RAISE(ABORT, {msg}); END",
                q(&name),
                q(&t.name)
            );
            let sql = match existing.get(name.as_str()) {
                Some(now) if *now == create => continue,
                Some(_) => format!("DROP TRIGGER {};\n{create};", q(&name)),
                None => format!("{create};"),
            };
            steps.push(Step {
                sql,
                trigger: name,
                what: format!("guarding table {}", t.name),
            });
        }
    }
    Ok(steps)
}

fn drop_step(trigger: &str) -> Step {
    Step {
        sql: format!("DROP TRIGGER {}", q(trigger)),
        trigger: trigger.to_string(),
        what: format!("dropping trigger {trigger}"),
    }
}
