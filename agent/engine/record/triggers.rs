//! The recording triggers' SQL: log every write's key, refuse writes once
//! the marker no longer says recording (draining, and after cutover the
//! standby's and the retired database's refusals, which they carry so that
//! no schema changes between migrate and cleanup-old: each through one
//! short insert into a helper view whose one trigger holds the refusals'
//! text, so a trigger's text is the same whatever the new path), and
//! capture the rows `INSERT OR REPLACE` removes silently. SQLite has only
//! row triggers, so no trigger says `FOR EACH ROW`: less text to parse.
//!
//! This SQL runs inside the *service's* SQLite library, which may be old:
//! only features SQLite has had for a decade (no row values, no `unixepoch`).

use super::DRAINING_MESSAGE;
use crate::engine::catalog::{lit, q, Index, Table, TRIGGER_PREFIX};
use crate::engine::guard::{message, GuardKind};
use crate::engine::plan::OldKey;

/// Where a table's triggers log, and what refuses writes: the forward
/// recording on the old database, or a revert window's on the new one.
pub(crate) struct Recorder {
    /// The log table (`_migration_log` or the reverse log).
    pub log: &'static str,
    /// A statement that raises when writes must be refused.
    pub guard: String,
    /// Trigger name prefix (starts with `_mig_`).
    pub prefix: &'static str,
}

impl Recorder {
    /// The old database's recording: each trigger hands the refusal to
    /// the helper view ([`refusal_helper`]) with one short statement, the
    /// same for every table whatever the new path, so a schema reload of
    /// a service's connection parses each refusal's text once, not once
    /// per trigger. Cutover then refuses by updating the marker's row, not
    /// by creating a trigger.
    pub(crate) fn forward() -> Recorder {
        Recorder {
            log: "_migration_log",
            guard: CARRIED.to_string(),
            prefix: TRIGGER_PREFIX,
        }
    }
}

/// The helper view every recording trigger writes to: inserting into it
/// does nothing while the marker says recording, and otherwise raises the
/// refusal its status picks (its `INSTEAD OF` trigger holds the literals,
/// as RAISE's message must be one in old SQLite). Dropped with the marker
/// (`remove_tables_in`), its trigger with it.
pub const REFUSAL: &str = "_mig_refusal";

/// The statement by which a recording trigger refuses writes once the
/// marker no longer says recording, and so the text by which one is known
/// to carry the standby and retired refusals (one a mig before them made
/// does not: drain then arms guards beside it, `guard::arm`).
pub const CARRIED: &str = "INSERT INTO _mig_refusal VALUES (0);";

/// How a recording trigger of the mig before [`REFUSAL`] carried them:
/// its own `CASE` on the marker's status with the three refusals inline
/// (still recognised, so its drain arms nothing either).
pub const CARRIED_INLINE: &str = "WHEN 'standby' THEN RAISE(ABORT, ";

/// Whether a recording trigger's SQL carries the standby and retired
/// refusals (through [`REFUSAL`] or inline).
pub fn carries(sql: &str) -> bool {
    sql.contains(CARRIED) || sql.contains(CARRIED_INLINE)
}

/// The helper view and its trigger, their refusals naming `new_path`:
/// none while the marker says recording, else draining's, the retired
/// one's or (the only status left) the standby's. One statement reading
/// the marker's row as a table, no subquery and no `WHEN`: every service
/// statement that writes a recorded table compiles this body (SQLite
/// codes trigger programs when it prepares a statement), and each scalar
/// subquery on the marker cost a statement ~8,000 instructions to
/// compile; the body with a `WHEN` and three `RAISE … WHERE (SELECT …)`
/// took a recorded write from 67,000 instructions to 90,000 (callgrind,
/// the bench's write mix prepared per write). The arms never spell
/// [`CARRIED_INLINE`] (standby is the `ELSE`), so the helper's text is
/// not taken for a recording trigger's. With no marker row it would
/// refuse nothing, so the marker keeps its row ([`marker_kept`]).
pub(crate) fn refusal_helper(new_path: &str) -> String {
    format!(
        "CREATE VIEW {REFUSAL}(refused) AS SELECT NULL;\n\
         CREATE TRIGGER {REFUSAL} INSTEAD OF INSERT ON {REFUSAL} BEGIN \
         SELECT CASE status WHEN 'recording' THEN NULL \
         WHEN 'draining' THEN RAISE(ABORT, {}) \
         WHEN 'retired' THEN RAISE(ABORT, {}) \
         ELSE RAISE(ABORT, {}) END FROM _migration_marker; END;\n{}",
        lit(DRAINING_MESSAGE),
        lit(&message(GuardKind::Retired, new_path)),
        lit(&message(GuardKind::Standby, new_path)),
        marker_kept()
    )
}

/// The trigger that keeps the marker's row: [`refusal_helper`] reads it as
/// a table, so with the row deleted by hand every write would be let
/// through (and recorded) even while draining or after cutover. Its CHECKs
/// keep the row's `id` and `status` to what mig writes (and a status
/// edited past them gets the `ELSE` arm, the standby's refusal); this
/// refuses the delete itself, at no cost to a service's write (a trigger
/// on the marker is compiled only by a statement deleting from it). mig
/// never deletes the row: it drops the table, and the trigger with it
/// (`remove_tables_in`, drain's widening).
pub const MARKER_KEPT: &str = "_migration_marker_kept";

/// The line a hand delete of the marker's row gets.
pub const MARKER_KEPT_MESSAGE: &str = "_migration_marker's row is mig's record of a migration in progress and cannot be deleted: run `mig status` to see how to finish or undo it";

/// [`MARKER_KEPT`]'s statement (created if missing).
pub(crate) fn marker_kept() -> String {
    format!(
        "CREATE TRIGGER IF NOT EXISTS {MARKER_KEPT} BEFORE DELETE ON _migration_marker BEGIN SELECT RAISE(ABORT, {}); END;",
        lit(MARKER_KEPT_MESSAGE)
    )
}

/// Whether a table's triggers log its writes or only run the guard (a
/// table nothing is copied from: its writes are only refused when the
/// guard says so).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Logging {
    Logged,
    GuardOnly,
}

/// One trigger: its name (as `sqlite_schema` holds it) and the statement
/// that creates it.
pub(crate) struct TriggerDef {
    pub name: String,
    pub sql: String,
}

/// The triggers for one table, logging `key` unless [`Logging::GuardOnly`].
pub(crate) fn trigger_sql(t: &Table, key: &OldKey, logging: Logging, r: &Recorder) -> Vec<String> {
    trigger_defs(t, key, logging, r)
        .into_iter()
        .map(|d| d.sql)
        .collect()
}

/// [`trigger_sql`], each statement with the trigger's name.
pub(crate) fn trigger_defs(
    t: &Table,
    key: &OldKey,
    logging: Logging,
    r: &Recorder,
) -> Vec<TriggerDef> {
    let name = |kind: &str| q(&format!("{}{kind}_{}", r.prefix, t.name));
    let table = q(&t.name);
    let guard = r.guard.clone();
    // An update also logs the key the row had.
    let log = |op: &str, row: &str| -> String {
        if logging == Logging::GuardOnly {
            return String::new();
        }
        let with_old = op == "U";
        let k = key.exprs(row);
        let mut cols: Vec<String> = (0..k.len()).map(|i| format!("k{i}")).collect();
        let mut vals = k;
        if with_old {
            let o = key.exprs("OLD");
            cols.extend((0..o.len()).map(|i| format!("o{i}")));
            vals.extend(o);
        }
        format!(
            "INSERT INTO {}(tbl, op, at, {}) VALUES ({}, '{op}', julianday('now'), {});",
            r.log,
            cols.join(", "),
            lit(&t.name),
            vals.join(", ")
        )
    };
    let mut out = vec![
        format!(
            "CREATE TRIGGER {} AFTER INSERT ON {table} BEGIN {guard} {} END;",
            name("i"),
            log("I", "NEW")
        ),
        format!(
            "CREATE TRIGGER {} AFTER UPDATE ON {table} BEGIN {guard} {} END;",
            name("u"),
            log("U", "NEW")
        ),
        format!(
            "CREATE TRIGGER {} AFTER DELETE ON {table} BEGIN {guard} {} END;",
            name("d"),
            log("D", "OLD")
        ),
    ];
    if logging == Logging::Logged {
        out.extend(replace_capture(t, key, r));
    }
    let kinds = ["i", "u", "d", "ri", "ru"];
    out.into_iter()
        .zip(kinds)
        .map(|(sql, kind)| TriggerDef {
            name: format!("{}{kind}_{}", r.prefix, t.name),
            sql,
        })
        .collect()
}

/// `INSERT OR REPLACE` deletes rows that conflict on a UNIQUE index without
/// firing delete triggers. These BEFORE triggers log the keys of the rows
/// such a statement is about to remove, so replay notices they are gone.
fn replace_capture(t: &Table, key: &OldKey, r: &Recorder) -> Vec<String> {
    let table = q(&t.name);
    let uniques: Vec<_> = t
        .indexes
        .iter()
        .filter(|i| i.unique && i.origin != "pk" && i.columns.iter().all(|c| c.name.is_some()))
        .collect();
    if uniques.is_empty() {
        return Vec::new();
    }
    let key_cols: Vec<String> = match key {
        OldKey::Rowid { .. } => vec!["rowid".into()],
        OldKey::Columns(cols) => cols.iter().map(|c| q(&c.name)).collect(),
    };
    let kcols: Vec<String> = (0..key_cols.len()).map(|i| format!("k{i}")).collect();
    let conflict = |row: &str, idx: &Index| -> String {
        idx.columns
            .iter()
            .map(|c| {
                let n = q(c.name.as_deref().unwrap_or_default());
                format!("{n} COLLATE {} = {row}.{n}", q(&c.collation))
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    };
    let same_row = match key {
        OldKey::Rowid { .. } => "rowid IS NOT OLD.rowid".to_string(),
        OldKey::Columns(cols) => format!(
            "NOT ({})",
            cols.iter()
                .map(|c| format!("{n} IS OLD.{n}", n = q(&c.name)))
                .collect::<Vec<_>>()
                .join(" AND ")
        ),
    };
    // Logs the rows the new row collides with, `besides` (an UPDATE's own
    // row is no conflict).
    let capture = |besides: &str| -> Vec<String> {
        uniques
            .iter()
            .map(|idx| {
                format!(
                    "INSERT INTO {}(tbl, op, at, {}) SELECT {}, 'R', julianday('now'), {} FROM {table} WHERE {}{besides};",
                    r.log,
                    kcols.join(", "),
                    lit(&t.name),
                    key_cols.join(", "),
                    conflict("NEW", idx)
                )
            })
            .collect()
    };
    let ins = capture("");
    let upd = capture(&format!(" AND {same_row}"));
    let name = |kind: &str| q(&format!("{}{kind}_{}", r.prefix, t.name));
    vec![
        format!(
            "CREATE TRIGGER {} BEFORE INSERT ON {table} BEGIN {} END;",
            name("ri"),
            ins.join(" ")
        ),
        format!(
            "CREATE TRIGGER {} BEFORE UPDATE ON {table} BEGIN {} END;",
            name("ru"),
            upd.join(" ")
        ),
    ]
}
