//! The replay guard: what a replay batch must never do silently, caught in
//! the batch that would do it, at a cost that grows with the batch, never
//! with the database.
//!
//! - **A row merged away.** Replay writes with `INSERT OR REPLACE`
//!   (`chunk_sql/`): a row that collides with another on a UNIQUE constraint of
//!   the new schema removes it. That is right for a *stale* row (one whose
//!   old row changed since it was written, which a later log entry replays)
//!   and a loss for any other: two old rows the new schema counts as one.
//!   TEMP triggers on the work connection record the key of every row the
//!   write removes (with `recursive_triggers` on, REPLACE fires delete
//!   triggers; with the schema's own triggers switched off, TEMP triggers
//!   still fire). A removed row whose key is not back after the write and
//!   that no log entry still to replay names was merged: the batch fails.
//! - **A row without a key.** A rowid table's declared key may be NULL in
//!   SQLite, and such a row cannot be replayed. An entry of the batch with a
//!   NULL key, while the old table still holds a NULL-key row, fails it.
//!
//! Failing rolls the batch back: nothing is lost, and once the old database
//! no longer holds the duplicate (or the NULL key), the same batch replays.
//! Only tables with a UNIQUE constraint besides their key get the triggers:
//! nothing else can lose a row this way.

use rusqlite::types::Value;
use rusqlite::Connection;

use super::catalog::{lit, q};
use super::error::{EngineError, Result, SqlContext};
use super::mapping;
use super::plan::quoted::QuotedText;
use super::plan::{null_key_count_sql, null_key_message, KeyMode, OldKey, Plan, TablePlan};
use super::replay::touched;

/// A batch's log range, (lo, hi], and the newest entry in the snapshot it
/// reads: entries in (hi, log_max] are replayed by a later batch.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    pub lo: u64,
    pub hi: u64,
    pub log_max: u64,
}

/// Keys named in the error, at most.
const SHOWN: usize = 5;

/// Fails when an entry in (lo, hi] wrote a NULL key into a table keyed by
/// declared columns and the old table still holds such a row.
pub(crate) fn null_keys(
    conn: &Connection,
    plan: &Plan,
    touched: &[String],
    w: Window,
) -> Result<()> {
    let mut checked: Vec<&str> = Vec::new();
    for t in &plan.tables {
        let (Some(src), Some(OldKey::Columns(cols))) = (&t.source, &t.old_key) else {
            continue;
        };
        if checked.contains(&src.as_str()) || !touched.iter().any(|n| n.eq_ignore_ascii_case(src)) {
            continue;
        }
        checked.push(src);
        let any_null: Vec<String> = (0..cols.len()).map(|i| format!("k{i} IS NULL")).collect();
        let logged: Option<i64> = conn
            .prepare_cached(&format!(
                "SELECT 1 FROM old._migration_log WHERE seq > ?1 AND seq <= ?2 AND tbl = {} AND op IN ('I', 'U') AND ({}) LIMIT 1",
                lit(src),
                any_null.join(" OR ")
            ))
            .and_then(|mut s| {
                s.query_row([w.lo as i64, w.hi as i64], |r| r.get(0))
                    .or_else(none_if_empty)
            })
            .ctx(|| format!("looking for NULL keys logged for {src}"))?;
        if logged.is_none() {
            continue;
        }
        let n: i64 = conn
            .query_row(&null_key_count_sql("old", src, cols), [], |r| r.get(0))
            .ctx(|| format!("looking for NULL keys in {src}"))?;
        if n > 0 {
            return Err(EngineError::Verification(format!(
                "replay refused: {} (written while the migration recorded; the replay continues once they are fixed)",
                null_key_message(src, cols, n as u64)
            ).into()));
        }
    }
    Ok(())
}

fn none_if_empty(e: rusqlite::Error) -> rusqlite::Result<Option<i64>> {
    if e == rusqlite::Error::QueryReturnedNoRows {
        Ok(None)
    } else {
        Err(e)
    }
}

/// Runs `write` (a replay's `INSERT OR REPLACE` into `t`) with the rows it
/// removes recorded, then fails if one of them was merged away.
pub(crate) fn guarded<R>(
    conn: &Connection,
    t: &TablePlan,
    (src, key): (&str, &OldKey),
    w: Window,
    write: impl FnOnce() -> Result<R>,
) -> Result<R> {
    if !has_unique(conn, &t.name)? {
        return write();
    }
    let keys = NewKey::of(conn, t)?;
    ensure(conn, t, &keys)?;
    let removed = removed_table(&t.name);
    conn.execute_batch(&format!(
        "DELETE FROM temp.{removed}; UPDATE temp._mig_guard SET armed = 1"
    ))
    .ctx(|| format!("arming the replay guard of {}", t.name))?;
    let written = write();
    conn.execute_batch("UPDATE temp._mig_guard SET armed = 0")
        .ctx(|| format!("disarming the replay guard of {}", t.name))?;
    let written = written?;
    let lost = merged(conn, t, (src, key), &keys, w)?;
    if lost.is_empty() {
        return Ok(written);
    }
    let mut shown = lost
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if lost.len() > SHOWN {
        shown.push_str("; …");
    }
    let which = if t.key_mode == KeyMode::Renumbered {
        "old key"
    } else {
        "key"
    };
    Err(EngineError::Verification(QuotedText::naming(
        &shown,
        |shown| {
            format!(
        "replay refused: the row(s) of {t} with {which} {shown} would be lost: another row of the old table {src} maps to the same value of a UNIQUE constraint of {t}, which the new schema counts as one row; change or delete the duplicate in the old database (the replay continues once it is gone), or fix the schema, `mig reset` and migrate again",
        t = t.name,
    )
        },
    )))
}

/// The new table's key: its column names (`rowid` or a column) and the
/// declaration the guard's table copies, so values compare as in `t`.
struct NewKey {
    cols: Vec<String>,
    decls: Vec<String>,
}

impl NewKey {
    fn of(conn: &Connection, t: &TablePlan) -> Result<NewKey> {
        let cols: Vec<String> = t.new_key.iter().map(|(c, _)| c.clone()).collect();
        let mut decls = Vec::with_capacity(cols.len());
        for c in &cols {
            if c == "rowid" {
                decls.push("INTEGER".to_string());
                continue;
            }
            let (decl, coll): (String, Option<String>) = conn
                .query_row(
                    "SELECT c.type, (SELECT x.coll FROM pragma_index_list(?1, 'main') l, pragma_index_xinfo(l.name, 'main') x \
                       WHERE l.origin = 'pk' AND x.name = c.name) \
                     FROM pragma_table_xinfo(?1, 'main') c WHERE c.name = ?2 COLLATE NOCASE",
                    [&t.name, c],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .ctx(|| format!("reading the key of {}", t.name))?;
            decls.push(format!(
                "{decl} COLLATE {}",
                q(coll.as_deref().unwrap_or("BINARY"))
            ));
        }
        Ok(NewKey { cols, decls })
    }

    /// `r.k0 <op> n."c0" AND …`
    fn matches(&self, r: &str, n: &str, op: &str) -> String {
        (0..self.cols.len())
            .map(|i| format!("{n}.{} {op} {r}.k{i}", col(&self.cols[i])))
            .collect::<Vec<_>>()
            .join(" AND ")
    }
}

fn col(name: &str) -> String {
    if name == "rowid" {
        name.to_string()
    } else {
        q(name)
    }
}

fn removed_table(table: &str) -> String {
    q(&format!("_mig_removed_{table}"))
}

/// True when `t` has a UNIQUE constraint or index besides its key.
fn has_unique(conn: &Connection, table: &str) -> Result<bool> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM pragma_index_list(?1, 'main') WHERE \"unique\" AND origin <> 'pk'",
        )
        .and_then(|mut s| s.query_row([table], |r| r.get(0)))
        .ctx(|| format!("reading the indexes of {table}"))?;
    Ok(n > 0)
}

/// Creates, once per connection, the arming flag, `t`'s table of removed
/// keys and its trigger, and turns `recursive_triggers` on (set only when
/// off: setting a flag pragma expires every prepared statement).
fn ensure(conn: &Connection, t: &TablePlan, keys: &NewKey) -> Result<()> {
    let trigger = format!("_mig_removed_{}", t.name);
    let exists: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM temp.sqlite_schema WHERE type = 'trigger' AND name = ?1",
        )
        .and_then(|mut s| s.query_row([&trigger], |r| r.get(0)))
        .ctx(|| "reading the temporary schema".into())?;
    if exists > 0 {
        return Ok(());
    }
    let recursive: i64 = conn
        .query_row("PRAGMA recursive_triggers", [], |r| r.get(0))
        .ctx(|| "reading recursive_triggers".into())?;
    if recursive == 0 {
        // REPLACE fires delete triggers only with recursive triggers on. Only
        // TEMP triggers fire on a work connection (`open::configure_work`).
        conn.pragma_update(None, "recursive_triggers", true)
            .ctx(|| "setting recursive_triggers".into())?;
    }
    let cols: Vec<String> = (0..keys.cols.len())
        .map(|i| format!("k{i} {}", keys.decls[i]))
        .collect();
    let olds: Vec<String> = keys
        .cols
        .iter()
        .map(|c| format!("OLD.{}", col(c)))
        .collect();
    conn.execute_batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS _mig_guard(id INTEGER PRIMARY KEY CHECK (id = 1), armed INTEGER NOT NULL);\n\
         INSERT OR IGNORE INTO temp._mig_guard VALUES (1, 0);\n\
         CREATE TEMP TABLE {removed}({cols});\n\
         CREATE TEMP TRIGGER {trigger} AFTER DELETE ON main.{table} WHEN (SELECT armed FROM temp._mig_guard) \
         BEGIN INSERT INTO {removed} VALUES ({olds}); END;",
        removed = removed_table(&t.name),
        cols = cols.join(", "),
        trigger = q(&trigger),
        table = q(&t.name),
        olds = olds.join(", ")
    ))
    .ctx(|| format!("creating the replay guard of {}", t.name))
}

/// Keys (as SQL literals) of rows the write removed that are not back and
/// that no entry in (hi, log_max] replays again.
fn merged(
    conn: &Connection,
    t: &TablePlan,
    (src, key): (&str, &OldKey),
    keys: &NewKey,
    w: Window,
) -> Result<Vec<String>> {
    let removed = removed_table(&t.name);
    let gone = format!(
        "NOT EXISTS (SELECT 1 FROM main.{} n WHERE {})",
        q(&t.name),
        keys.matches("r", "n", "IS")
    );
    let pending = touched(src, key.width());
    let sql = match t.key_mode {
        KeyMode::Renumbered => {
            let names: Vec<String> = (0..key.width()).map(|i| format!("p.k{i}")).collect();
            let shown: Vec<String> = (0..key.width())
                .map(|i| format!("quote(m._mig_k{i})"))
                .collect();
            format!(
                "SELECT {} FROM temp.{removed} r JOIN {} m ON m._mig_new = r.k0 \
                 WHERE {gone} AND NOT EXISTS (SELECT 1 FROM ({pending}) p WHERE {})",
                shown.join(" || ', ' || "),
                mapping::qualified(&t.name),
                mapping::matches("m", &names, &key.collations())
            )
        }
        KeyMode::Preserved => {
            let shown: Vec<String> = (0..keys.cols.len())
                .map(|i| format!("quote(r.k{i})"))
                .collect();
            format!(
                "SELECT {} FROM temp.{removed} r WHERE {gone} AND NOT EXISTS (SELECT 1 FROM ({}) p WHERE {})",
                shown.join(" || ', ' || "),
                preserved_keys(t, src, key, &pending),
                (0..keys.cols.len())
                    .map(|i| format!("r.k{i} = p.n{i}"))
                    .collect::<Vec<_>>()
                    .join(" AND ")
            )
        }
        KeyMode::NewEmpty | KeyMode::Refused => return Ok(Vec::new()),
    };
    let range: [Value; 2] = [
        Value::Integer(w.hi as i64),
        Value::Integer(w.log_max as i64),
    ];
    let mut stmt = conn
        .prepare_cached(&sql)
        .ctx(|| format!("checking what replay removed from {}", t.name))?;
    let lost = stmt
        .query_map(rusqlite::params_from_iter(range.iter()), |r| {
            r.get::<_, String>(0)
        })
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .ctx(|| format!("checking what replay removed from {}", t.name))?;
    Ok(lost)
}

/// The new keys (`n0`, `n1`, …) of a preserved table for the old keys
/// `old_keys` selects (`k0`, `k1`, …): the new key expressions evaluated on
/// a row made of the old key alone.
fn preserved_keys(t: &TablePlan, src: &str, key: &OldKey, old_keys: &str) -> String {
    let names: Vec<String> = match key {
        OldKey::Rowid { alias } => ["rowid", "oid", "_rowid_"]
            .iter()
            .map(|s| s.to_string())
            .chain(alias.iter().cloned())
            .map(|n| format!("tk.k0 AS {}", q(&n)))
            .collect(),
        OldKey::Columns(cols) => cols
            .iter()
            .enumerate()
            .map(|(i, c)| format!("tk.k{i} AS {}", q(&c.name)))
            .collect(),
    };
    let exprs: Vec<String> = t
        .new_key
        .iter()
        .enumerate()
        .map(|(i, (_, e))| format!("{e} AS n{i}"))
        .collect();
    format!(
        "SELECT {} FROM (SELECT {} FROM ({old_keys}) AS tk) AS {}",
        exprs.join(", "),
        names.join(", "),
        q(src)
    )
}
