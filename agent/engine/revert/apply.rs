//! Reverse replay: carries the new database's reverse log into the old one
//! through the inverse mapping, on a connection whose `main` is the old
//! database (triggers off: the guard refuses everyone else) with the new one
//! attached read-only as `new`.
//!
//! As forward replay, a batch reads one snapshot of the new database and
//! makes, for every new key it touched, the old row equal to the inverse of
//! the new row *now* (or deletes it), committing the checkpoint with the
//! rows. Unlike forward replay it never writes `OR REPLACE`: a table's batch
//! is applied in place, else rebuilt (`statements::Way`); a row the old
//! schema refuses (CHECK, NOT NULL, UNIQUE, a type) fails its statement, the
//! table is redone key by key, and each refused key is kept in the conflict
//! table (its old row untouched) and retried with the table's next batch.

use rusqlite::types::Value;
use rusqlite::Connection;

use super::identity;
use super::inverse::{Inverse, TableInverse};
use super::statements::{Statements, Way};
use super::store::{self, CONFLICTS};
use super::temp::{Fill, Temp};
use super::window::LOG;
use crate::engine::catalog::lit;
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::lock;

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
        crate::engine::failpoint::hit("revert.after-batch");
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
    super::continuity::check_in(tx, lo, log_max)?;
    let hi = log_max.min(lo.saturating_add(max));
    if hi > lo || retry == Retry::All {
        let todo = tables_to_apply(tx, (lo, hi), retry)?;
        for (i, t) in inv.tables.iter().enumerate() {
            if todo.contains(&t.new_table) {
                apply_table(tx, inv, (t, Temp { i }), lo, hi)?;
            }
        }
        crate::engine::failpoint::hit("revert.mid-batch");
        store::set_checkpoint(tx, hi.max(lo))?;
        super::continuity::record_in(tx, hi.max(lo))?;
    }
    Ok(Batch {
        applied: hi.saturating_sub(lo),
        checkpoint: hi.max(lo),
        log_max,
        conflicts: store::conflict_count(tx, "main")?,
    })
}

/// The new tables whose keys the entries in `(lo, hi]` touched, in one
/// read of the log (not one per table: a table's statements are prepared
/// only when it has something to apply, which under revert's freeze is the
/// few tables of the tail), and with [`Retry::All`] the tables holding
/// recorded conflicts (each touched table's are retried with it anyway; a
/// table neither touched nor holding one has nothing to apply).
fn tables_to_apply(
    tx: &Connection,
    (lo, hi): (u64, u64),
    retry: Retry,
) -> Result<std::collections::HashSet<String>> {
    let mut sql = format!("SELECT DISTINCT tbl FROM new.{LOG} WHERE seq > ?1 AND seq <= ?2");
    if retry == Retry::All {
        sql.push_str(&format!(" UNION SELECT tbl FROM main.{CONFLICTS}"));
    }
    let mut stmt = tx
        .prepare_cached(&sql)
        .ctx(|| "reading the reverse log".into())?;
    let rows = stmt
        .query_map(rusqlite::params![lo as i64, hi as i64], |r| r.get(0))
        .ctx(|| "reading the reverse log".into())?;
    rows.collect::<rusqlite::Result<_>>()
        .ctx(|| "reading the reverse log".into())
}

/// What went wrong in a table's statements.
pub(super) enum Failure {
    /// The old schema refused a row.
    Conflict(String),
    Other(EngineError),
}

impl From<EngineError> for Failure {
    fn from(e: EngineError) -> Self {
        Failure::Other(e)
    }
}

pub(super) fn run(tx: &Connection, sql: &str, what: &str) -> std::result::Result<(), Failure> {
    tx.execute_batch(sql).map_err(|e| {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code() {
            Some(C::ConstraintViolation | C::TypeMismatch) => Failure::Conflict(match &e {
                rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
                other => other.to_string(),
            }),
            _ => Failure::Other(crate::engine::error::classify(what.to_string(), e)),
        }
    })
}

/// Creates every table's temporary tables on `conn` (none when they
/// exist): revert runs it before its freeze so that a batch under the
/// freeze changes no temporary schema (`temp.rs`).
pub fn ready(conn: &Connection, inv: &Inverse) -> Result<()> {
    for (i, t) in inv.tables.iter().enumerate() {
        let tmp = Temp { i };
        let (creates, _, _) = collect_sql(inv, t, tmp, (0, 0));
        conn.execute_batch(&creates.join("\n"))
            .ctx(|| format!("preparing the reverse replay of {}", t.new_table))?;
    }
    Ok(())
}

/// Table `t`'s temporary tables' creations, and the statements filling
/// `touched`, `moved` and (for a walk) the walk's tables from the log's
/// entries in `(lo, hi]`, with its recorded conflicts.
fn collect_sql(
    inv: &Inverse,
    t: &TableInverse,
    tmp: Temp,
    (lo, hi): (u64, u64),
) -> (Vec<String>, Vec<String>, Statements) {
    let w = t.new_key.width();
    let ks: Vec<String> = (0..w).map(|i| format!("k{i}")).collect();
    let os: Vec<String> = (0..w).map(|i| format!("o{i}")).collect();
    let tbl = lit(&t.new_table);
    let (k, o) = (ks.join(", "), os.join(", "));
    let same = ks
        .iter()
        .zip(&os)
        .map(|(k, o)| format!("{k} IS {o}"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let touched = tmp.name("touched");
    let mut fills: Vec<Fill> = vec![
        Fill {
            create: format!("CREATE TABLE IF NOT EXISTS {touched}({k});"),
            fill: format!(
                "DELETE FROM {touched};\n\
                 INSERT INTO {touched} SELECT {k} FROM new.{LOG} WHERE seq > {lo} AND seq <= {hi} AND tbl = {tbl} \
                 UNION SELECT {o} FROM new.{LOG} WHERE seq > {lo} AND seq <= {hi} AND tbl = {tbl} AND op = 'U' \
                 UNION SELECT {k} FROM main.{CONFLICTS} WHERE tbl = {tbl};\n\
                 DELETE FROM main.{CONFLICTS} WHERE tbl = {tbl};"
            ),
        },
        tmp.fill(
            "moved",
            &format!("SELECT {k}, {o}, max(seq) AS s FROM new.{LOG} WHERE seq > {lo} AND seq <= {hi} AND tbl = {tbl} AND op = 'U' AND NOT ({same}) GROUP BY {k}"),
            None,
        ),
    ];
    let sql = Statements::new(inv, t, tmp);
    if sql.walks() {
        fills.extend(identity::collect(LOG, &tbl, (lo, hi), w, tmp));
    }
    let mut creates: Vec<String> = fills.iter().map(|f| f.create.clone()).collect();
    creates.extend(sql.creates.iter().cloned());
    (creates, fills.into_iter().map(|f| f.fill).collect(), sql)
}

/// Applies the touched keys of `t` (and its conflicts), set-based (in place,
/// else rebuilt), then key by key when the old schema refuses a row.
fn apply_table(
    tx: &Connection,
    inv: &Inverse,
    (t, tmp): (&TableInverse, Temp),
    lo: u64,
    hi: u64,
) -> Result<()> {
    let w = t.new_key.width();
    let ks: Vec<String> = (0..w).map(|i| format!("k{i}")).collect();
    let (creates, fills, sql) = collect_sql(inv, t, tmp, (lo, hi));
    tx.execute_batch(&creates.join("\n"))
        .ctx(|| format!("preparing the reverse replay of {}", t.new_table))?;
    tx.execute_batch(&fills.join("\n"))
        .ctx(|| format!("collecting the reverse log entries of {}", t.new_table))?;
    for way in [Way::InPlace, Way::Rebuild] {
        match sql.attempt(tx, "_mig_rev_all", way) {
            Ok(()) => return Ok(()),
            Err(Failure::Other(e)) => return Err(e),
            Err(Failure::Conflict(_)) => {}
        }
    }
    // Key by key: each refused key is recorded, the others applied.
    let keys = read_keys(tx, w, tmp)?;
    for key in keys {
        set_touched(tx, &ks, &key, tmp)?;
        match sql.attempt(tx, "_mig_rev_one", Way::InPlace) {
            Ok(()) => {}
            Err(Failure::Other(e)) => return Err(e),
            Err(Failure::Conflict(msg)) => record_conflict(tx, t, &ks, &key, &msg)?,
        }
    }
    Ok(())
}

fn read_keys(tx: &Connection, w: usize, tmp: Temp) -> Result<Vec<Vec<Value>>> {
    let cols: Vec<String> = (0..w).map(|i| format!("k{i}")).collect();
    let mut stmt = tx
        .prepare(&format!(
            "SELECT {} FROM {}",
            cols.join(", "),
            tmp.name("touched")
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

fn set_touched(tx: &Connection, ks: &[String], key: &[Value], tmp: Temp) -> Result<()> {
    tx.execute(&format!("DELETE FROM {}", tmp.name("touched")), [])
        .ctx(|| "resetting touched keys".into())?;
    let marks: Vec<String> = (1..=ks.len()).map(|i| format!("?{i}")).collect();
    tx.execute(
        &format!(
            "INSERT INTO {}({}) VALUES ({})",
            tmp.name("touched"),
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
