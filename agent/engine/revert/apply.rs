//! Reverse replay: carries the new database's reverse log into the old one
//! through the inverse mapping, on a connection whose `main` is the old
//! database (triggers off: the guard refuses everyone else) with the new one
//! attached read-only as `new`.
//!
//! As forward replay, a batch reads one snapshot of the new database and
//! makes, for every new key it touched, the old row equal to the inverse of
//! the new row *now* (or deletes it), committing the checkpoint with the
//! rows. Unlike forward replay it never writes `OR REPLACE`: a row the old
//! schema refuses (CHECK, NOT NULL, UNIQUE, a type) fails its statement, the
//! table is redone key by key, and each refused key is kept in the conflict
//! table (its old row untouched) and retried with the table's next batch.

use rusqlite::types::Value;
use rusqlite::Connection;

use super::super::catalog::{lit, q};
use super::super::error::{EngineError, Result, SqlContext};
use super::super::lock;
use super::super::plan::OldKey;
use super::inverse::{ColumnValue, Inverse, KeySource, TableInverse, ROW};
use super::store::{self, CONFLICTS};
use super::window::LOG;

/// Entries per batch (as forward replay).
pub const BATCH: u64 = 20_000;

#[derive(Debug, Clone, Copy, Default)]
pub struct Batch {
    pub applied: u64,
    pub checkpoint: u64,
    pub log_max: u64,
    /// Conflicts recorded after the batch.
    pub conflicts: u64,
}

/// Whether recorded conflicts are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// With the next batch touching their table.
    Touched,
    /// All of them now (revert's last look).
    All,
}

/// One batch in a transaction of its own.
pub fn batch(conn: &mut Connection, inv: &Inverse, max: u64, retry: Retry) -> Result<Batch> {
    let tx = lock::begin_immediate(conn).ctx(|| "starting a reverse replay batch".into())?;
    let b = batch_in(&tx, inv, max, retry)?;
    if b.applied > 0 || retry == Retry::All {
        tx.commit()
            .ctx(|| "committing a reverse replay batch".into())?;
        super::super::failpoint::hit("revert.after-batch");
    }
    Ok(b)
}

/// One batch inside the caller's write transaction on the old database.
pub fn batch_in(tx: &Connection, inv: &Inverse, max: u64, retry: Retry) -> Result<Batch> {
    let (lo, _) = store::checkpoint(tx, "main")?.unwrap_or((0, None));
    let log_max: i64 = tx
        .query_row(
            &format!("SELECT coalesce(max(seq), 0) FROM new.{LOG}"),
            [],
            |r| r.get(0),
        )
        .ctx(|| "reading the reverse log".into())?;
    let log_max = log_max.max(0) as u64;
    let hi = log_max.min(lo.saturating_add(max));
    if hi > lo || retry == Retry::All {
        for t in &inv.tables {
            if retry == Retry::All || touches(tx, t, lo, hi)? {
                apply_table(tx, inv, t, lo, hi)?;
            }
        }
        super::super::failpoint::hit("revert.mid-batch");
        store::set_checkpoint(tx, hi.max(lo))?;
    }
    Ok(Batch {
        applied: hi.saturating_sub(lo),
        checkpoint: hi.max(lo),
        log_max,
        conflicts: store::conflict_count(tx, "main")?,
    })
}

fn touches(tx: &Connection, t: &TableInverse, lo: u64, hi: u64) -> Result<bool> {
    tx.query_row(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM new.{LOG} WHERE seq > ?1 AND seq <= ?2 AND tbl = ?3)"
        ),
        rusqlite::params![lo as i64, hi as i64, t.new_table],
        |r| r.get(0),
    )
    .ctx(|| "reading the reverse log".into())
}

/// What went wrong in a table's statements.
enum Failure {
    /// The old schema refused a row.
    Conflict(String),
    Other(EngineError),
}

impl From<EngineError> for Failure {
    fn from(e: EngineError) -> Self {
        Failure::Other(e)
    }
}

fn run(tx: &Connection, sql: &str, what: &str) -> std::result::Result<(), Failure> {
    tx.execute_batch(sql).map_err(|e| {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code() {
            Some(C::ConstraintViolation | C::TypeMismatch) => Failure::Conflict(match &e {
                rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
                other => other.to_string(),
            }),
            _ => Failure::Other(super::super::error::classify(what.to_string(), e)),
        }
    })
}

/// Applies the touched keys of `t` (and its conflicts), set-based, then key
/// by key when the old schema refuses a row.
fn apply_table(tx: &Connection, inv: &Inverse, t: &TableInverse, lo: u64, hi: u64) -> Result<()> {
    let w = t.new_key.width();
    let ks: Vec<String> = (0..w).map(|i| format!("k{i}")).collect();
    let os: Vec<String> = (0..w).map(|i| format!("o{i}")).collect();
    let tbl = lit(&t.new_table);
    tx.execute_batch(&format!(
        "DROP TABLE IF EXISTS temp._mig_rev_touched; CREATE TEMP TABLE _mig_rev_touched({k});\n\
         INSERT INTO temp._mig_rev_touched SELECT {k} FROM new.{LOG} WHERE seq > {lo} AND seq <= {hi} AND tbl = {tbl} \
         UNION SELECT {o} FROM new.{LOG} WHERE seq > {lo} AND seq <= {hi} AND tbl = {tbl} AND op = 'U' \
         UNION SELECT {k} FROM main.{CONFLICTS} WHERE tbl = {tbl};\n\
         DELETE FROM main.{CONFLICTS} WHERE tbl = {tbl};\n\
         DROP TABLE IF EXISTS temp._mig_rev_moved; CREATE TEMP TABLE _mig_rev_moved AS \
         SELECT {k}, {o}, max(seq) AS s FROM new.{LOG} WHERE seq > {lo} AND seq <= {hi} AND tbl = {tbl} AND op = 'U' AND NOT ({same}) GROUP BY {k};",
        k = ks.join(", "),
        o = os.join(", "),
        same = ks.iter().zip(&os).map(|(k, o)| format!("{k} IS {o}")).collect::<Vec<_>>().join(" AND "),
    ))
    .ctx(|| format!("collecting the reverse log entries of {}", t.new_table))?;
    let sql = Statements::new(inv, t);
    match sql.attempt(tx, "_mig_rev_all") {
        Ok(()) => return Ok(()),
        Err(Failure::Other(e)) => return Err(e),
        Err(Failure::Conflict(_)) => {}
    }
    // Key by key: each refused key is recorded, the others applied.
    let keys = read_keys(tx, w)?;
    for key in keys {
        set_touched(tx, &ks, &key)?;
        match sql.attempt(tx, "_mig_rev_one") {
            Ok(()) => {}
            Err(Failure::Other(e)) => return Err(e),
            Err(Failure::Conflict(msg)) => record_conflict(tx, t, &ks, &key, &msg)?,
        }
    }
    Ok(())
}

fn read_keys(tx: &Connection, w: usize) -> Result<Vec<Vec<Value>>> {
    let cols: Vec<String> = (0..w).map(|i| format!("k{i}")).collect();
    let mut stmt = tx
        .prepare(&format!(
            "SELECT {} FROM temp._mig_rev_touched",
            cols.join(", ")
        ))
        .ctx(|| "reading touched keys".into())?;
    let rows = stmt
        .query_map([], |r| {
            (0..w)
                .map(|i| r.get::<_, Value>(i))
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .ctx(|| "reading touched keys".into())?
        .collect::<std::result::Result<Vec<_>, _>>()
        .ctx(|| "reading touched keys".into())?;
    Ok(rows)
}

fn set_touched(tx: &Connection, ks: &[String], key: &[Value]) -> Result<()> {
    tx.execute("DELETE FROM temp._mig_rev_touched", [])
        .ctx(|| "resetting touched keys".into())?;
    let marks: Vec<String> = (1..=ks.len()).map(|i| format!("?{i}")).collect();
    tx.execute(
        &format!(
            "INSERT INTO temp._mig_rev_touched({}) VALUES ({})",
            ks.join(", "),
            marks.join(", ")
        ),
        rusqlite::params_from_iter(key.iter()),
    )
    .ctx(|| "setting a touched key".into())?;
    Ok(())
}

fn record_conflict(
    tx: &Connection,
    t: &TableInverse,
    ks: &[String],
    key: &[Value],
    msg: &str,
) -> Result<()> {
    let shown: Vec<String> = key
        .iter()
        .map(|v| match v {
            Value::Null => "NULL".to_string(),
            Value::Integer(i) => i.to_string(),
            Value::Real(f) => f.to_string(),
            Value::Text(s) => lit(s),
            Value::Blob(b) => format!("X'{}'", hex::encode(b)),
        })
        .collect();
    let marks: Vec<String> = (4..4 + ks.len()).map(|i| format!("?{i}")).collect();
    let mut params: Vec<Value> = vec![
        Value::Text(t.new_table.clone()),
        Value::Text(shown.join(", ")),
        Value::Text(msg.to_string()),
    ];
    params.extend(key.iter().cloned());
    tx.execute(
        &format!(
            "INSERT INTO main.{CONFLICTS}(tbl, key, error, at, {}) VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ','now'), {})",
            ks.join(", "),
            marks.join(", ")
        ),
        rusqlite::params_from_iter(params),
    )
    .ctx(|| "recording a revert conflict".into())?;
    Ok(())
}

/// The statements that apply a set of touched keys (`temp._mig_rev_touched`)
/// of one table.
struct Statements {
    stages: Vec<String>,
}

impl Statements {
    fn new(_inv: &Inverse, t: &TableInverse) -> Statements {
        let w = t.new_key.width();
        let nk = t.new_key.exprs(ROW);
        let ks: Vec<String> = (0..w).map(|i| format!("k{i}")).collect();
        let old = q(&t.old_table);
        let map = q(&t.map_table());
        let ow = t.old_key.width();
        let okeys = t.old_key_columns();
        let alias = match &t.old_key {
            OldKey::Rowid { alias } => alias.clone(),
            OldKey::Columns(_) => None,
        };
        let is_key = |n: &str| {
            okeys.iter().any(|k| k.eq_ignore_ascii_case(n))
                || alias.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(n))
        };
        let values: Vec<(&str, &str)> = t
            .columns
            .iter()
            .filter(|c| !is_key(&c.name))
            .filter_map(|c| match &c.value {
                ColumnValue::Expr(e) => Some((c.name.as_str(), e.as_str())),
                ColumnValue::Keep => None,
            })
            .collect();
        let keeps: Vec<&str> = t
            .columns
            .iter()
            .filter(|c| !is_key(&c.name) && c.value == ColumnValue::Keep)
            .map(|c| c.name.as_str())
            .collect();
        let touched = format!(
            "({}) IN (SELECT {} FROM temp._mig_rev_touched)",
            nk.join(", "),
            ks.join(", ")
        );
        let map_of = |i: usize, probe: &[String]| {
            let cond: Vec<String> = probe
                .iter()
                .enumerate()
                .map(|(j, p)| format!("m.n{j} = {p}"))
                .collect();
            format!(
                "(SELECT m.o{i} FROM main.{map} AS m WHERE {})",
                cond.join(" AND ")
            )
        };
        let mut stages = Vec::new();
        // The old key now (cur) and the one the old row had (prev).
        let (cur, prev): (Vec<String>, Vec<String>) = match &t.key {
            KeySource::OfNewKey(ex) => (ex.clone(), ex.clone()),
            KeySource::Mapped { natural } => {
                if natural.is_none() {
                    stages.push(format!(
                        "INSERT INTO main.{map}({}, o0) SELECT {}, (SELECT max(coalesce((SELECT max(rowid) FROM main.{old}), 0), coalesce((SELECT max(o0) FROM main.{map}), 0))) + row_number() OVER (ORDER BY {}) \
                         FROM new.{} AS {ROW} WHERE {touched} AND NOT EXISTS (SELECT 1 FROM main.{map} AS m WHERE {});",
                        (0..w).map(|i| format!("n{i}")).collect::<Vec<_>>().join(", "),
                        nk.join(", "),
                        nk.join(", "),
                        q(&t.new_table),
                        nk.iter().enumerate().map(|(j, p)| format!("m.n{j} = {p}")).collect::<Vec<_>>().join(" AND ")
                    ));
                }
                let prev: Vec<String> = (0..ow).map(|i| map_of(i, &nk)).collect();
                (natural.clone().unwrap_or_else(|| prev.clone()), prev)
            }
        };
        let mut sel: Vec<String> = nk
            .iter()
            .enumerate()
            .map(|(i, e)| format!("{e} AS n{i}"))
            .collect();
        sel.extend(cur.iter().enumerate().map(|(i, e)| format!("{e} AS o{i}")));
        sel.extend(prev.iter().enumerate().map(|(i, e)| format!("{e} AS p{i}")));
        sel.extend(
            values
                .iter()
                .enumerate()
                .map(|(i, (_, e))| format!("{e} AS c{i}")),
        );
        stages.push(format!(
            "DROP TABLE IF EXISTS temp._mig_rev_rows; CREATE TEMP TABLE _mig_rev_rows AS SELECT {} FROM new.{} AS {ROW} WHERE {touched};",
            sel.join(", "),
            q(&t.new_table)
        ));
        // A preserved key that moved in this batch: the old row is still at
        // the key it moved from.
        if let (KeySource::OfNewKey(_), 1) = (&t.key, ow) {
            stages.push(format!(
                "UPDATE temp._mig_rev_rows SET p0 = (SELECT mv.o0 FROM temp._mig_rev_moved AS mv WHERE mv.k0 = n0) \
                 WHERE NOT EXISTS (SELECT 1 FROM main.{old} AS x WHERE x.{} = p0) AND EXISTS (SELECT 1 FROM temp._mig_rev_moved AS mv WHERE mv.k0 = n0);",
                q_key(&okeys[0])
            ));
        }
        let on: Vec<String> = okeys
            .iter()
            .enumerate()
            .map(|(i, k)| format!("o.{} = r.p{i}", q_key(k)))
            .collect();
        let mut keep_sel: Vec<String> = vec![
            "r.rowid AS r".into(),
            format!("o.{} IS NOT NULL AS existed", q_key(&okeys[0])),
        ];
        keep_sel.extend(
            keeps
                .iter()
                .enumerate()
                .map(|(i, c)| format!("o.{} AS v{i}", q(c))),
        );
        stages.push(format!(
            "DROP TABLE IF EXISTS temp._mig_rev_keep; CREATE TEMP TABLE _mig_rev_keep AS SELECT {} FROM temp._mig_rev_rows AS r LEFT JOIN main.{old} AS o ON {};",
            keep_sel.join(", "),
            on.join(" AND ")
        ));
        // Every old row a touched key had goes; the existing ones come back.
        let prev_of_touched: Vec<String> = match &t.key {
            KeySource::OfNewKey(ex) => ex.iter().map(|e| project(e, t, &ks)).collect(),
            KeySource::Mapped { .. } => (0..ow)
                .map(|i| map_of(i, &ks.iter().map(|k| format!("tk.{k}")).collect::<Vec<_>>()))
                .collect(),
        };
        let okq: Vec<String> = okeys.iter().map(|k| q_key(k)).collect();
        stages.push(format!(
            "DELETE FROM main.{old} WHERE ({}) IN (SELECT {} FROM temp._mig_rev_touched AS tk);\n\
             DELETE FROM main.{old} WHERE ({}) IN (SELECT {} FROM temp._mig_rev_rows);",
            okq.join(", "),
            prev_of_touched.join(", "),
            okq.join(", "),
            (0..ow)
                .map(|i| format!("p{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        let mut cols: Vec<String> = okq.clone();
        cols.extend(values.iter().map(|(n, _)| q(n)));
        let mut src: Vec<String> = (0..ow).map(|i| format!("r.o{i}")).collect();
        src.extend((0..values.len()).map(|i| format!("r.c{i}")));
        let mut cols_keep = cols.clone();
        cols_keep.extend(keeps.iter().map(|c| q(c)));
        let mut src_keep = src.clone();
        src_keep.extend((0..keeps.len()).map(|i| format!("kp.v{i}")));
        stages.push(format!(
            "INSERT INTO main.{old}({}) SELECT {} FROM temp._mig_rev_rows AS r JOIN temp._mig_rev_keep AS kp ON kp.r = r.rowid WHERE kp.existed;\n\
             INSERT INTO main.{old}({}) SELECT {} FROM temp._mig_rev_rows AS r JOIN temp._mig_rev_keep AS kp ON kp.r = r.rowid WHERE NOT kp.existed;",
            cols_keep.join(", "),
            src_keep.join(", "),
            cols.join(", "),
            src.join(", ")
        ));
        if let KeySource::Mapped { natural } = &t.key {
            let n: Vec<String> = (0..w).map(|i| format!("n{i}")).collect();
            let o: Vec<String> = (0..ow).map(|i| format!("o{i}")).collect();
            stages.push(format!(
                "INSERT OR REPLACE INTO main.{map}({}, {}) SELECT {}, {} FROM temp._mig_rev_rows;",
                n.join(", "),
                o.join(", "),
                n.join(", "),
                o.join(", ")
            ));
            if natural.is_some() && ow == 1 && !t.children.is_empty() {
                stages.push("DROP TABLE IF EXISTS temp._mig_rev_changed; CREATE TEMP TABLE _mig_rev_changed AS SELECT p0 AS prev, o0 AS cur FROM temp._mig_rev_rows WHERE p0 IS NOT NULL AND p0 IS NOT o0;".into());
                for (child, col) in &t.children {
                    let c = q(col);
                    stages.push(format!(
                        "UPDATE main.{} SET {c} = (SELECT ch.cur FROM temp._mig_rev_changed AS ch WHERE ch.prev = {c}) WHERE {c} IN (SELECT prev FROM temp._mig_rev_changed);",
                        q(child)
                    ));
                }
            }
        }
        Statements { stages }
    }

    /// Runs every stage inside a savepoint; rolls it back on failure.
    fn attempt(&self, tx: &Connection, savepoint: &str) -> std::result::Result<(), Failure> {
        run(
            tx,
            &format!("SAVEPOINT {savepoint}"),
            "starting a reverse replay step",
        )?;
        for s in &self.stages {
            if let Err(f) = run(tx, s, "reverse replay") {
                run(
                    tx,
                    &format!("ROLLBACK TO {savepoint}; RELEASE {savepoint}"),
                    "undoing a reverse replay step",
                )?;
                return Err(f);
            }
        }
        run(
            tx,
            &format!("RELEASE {savepoint}"),
            "finishing a reverse replay step",
        )
    }
}

/// A quoted old key column, or `rowid`.
fn q_key(k: &str) -> String {
    if k == "rowid" {
        k.to_string()
    } else {
        q(k)
    }
}

/// An old key expression that reads only the new key (`"id"` or
/// `_mig_n.rowid`), over a touched key row `tk` instead of the new row.
fn project(expr: &str, t: &TableInverse, ks: &[String]) -> String {
    if expr == format!("{ROW}.rowid") {
        return "tk.k0".into();
    }
    let names: Vec<String> = match &t.new_key {
        OldKey::Rowid { alias } => {
            let mut v = vec!["rowid".to_string(), "oid".into(), "_rowid_".into()];
            v.extend(alias.iter().cloned());
            return if v
                .iter()
                .any(|n| format!("{ROW}.{}", q(n)).eq_ignore_ascii_case(expr))
            {
                "tk.k0".into()
            } else {
                "NULL".into()
            };
        }
        OldKey::Columns(c) => c.iter().map(|k| k.name.clone()).collect(),
    };
    names
        .iter()
        .position(|n| format!("{ROW}.{}", q(n)).eq_ignore_ascii_case(expr))
        .map(|i| format!("tk.{}", ks[i]))
        .unwrap_or_else(|| "NULL".into())
}
