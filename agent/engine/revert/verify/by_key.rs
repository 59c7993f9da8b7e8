//! The rows each table's verify left out, checked by key: a table's verify
//! ends at the last key it had when that verify began (`VERIFIED_TO`, on
//! the old database with the rest of the window's bookkeeping), so the rows
//! written beyond it later are carried back by the reverse log but not yet
//! compared. Their keys come from the reverse log entries after the
//! table's mark; each check compares the new rows at those keys with the
//! old rows as a chunk is compared and moves the mark to the checkpoint.
//! Revert checks them once while writes flow and once more under the
//! freeze, so what the freeze checks is the writes since the first check,
//! never a table's size.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};

use super::super::apply::{self, Retry};
use super::super::inverse::{Inverse, TableInverse};
use super::super::store;
use super::super::unheld::Unheld;
use super::super::window::LOG;
use super::sides::Sides;
use super::sql::{Rows, Sql};
use crate::engine::error::{Result, SqlContext};
use crate::engine::lock;
use crate::engine::record::{self, has_table};

/// Per new table: the reverse log entry up to which its rows are verified
/// (`since`) and its verify's last key (`k0…`; `empty` when the table had
/// none, so every row of it is beyond).
pub const VERIFIED_TO: &str = "_mig_revert_verified_to";

/// What a check by key compared.
#[derive(Debug, Clone, Copy, Default)]
pub struct ByKey {
    /// New rows compared.
    pub rows: u64,
    /// Tables with rows written beyond their verify's end.
    pub tables: u32,
    /// Reverse log entries carried back first.
    pub entries_replayed: u64,
}

/// Forgets every mark (a verify begins), inside the caller's transaction,
/// which also records the old catalog with the table as it is now: it is
/// mig's own (the window's bookkeeping), so drift never reports it, while
/// anything else created on the old database still is.
pub(super) fn reset_in(tx: &Connection, width: usize) -> Result<()> {
    let ks: Vec<String> = (0..width).map(|i| format!("k{i}")).collect();
    tx.execute_batch(&format!(
        "DROP TABLE IF EXISTS main.{VERIFIED_TO};\n\
         CREATE TABLE main.{VERIFIED_TO}(tbl TEXT PRIMARY KEY, since INTEGER NOT NULL, empty INTEGER NOT NULL, {}) WITHOUT ROWID;",
        ks.join(", ")
    ))
    .ctx(|| "resetting what the reverse verify covered".into())?;
    record::rerecord_tables_like_in(tx, "_mig_revert_")
}

/// `t`'s verify ends at `bound`, at the reverse checkpoint now.
pub(super) fn record_in(
    tx: &Connection,
    t: &TableInverse,
    width: usize,
    bound: Option<&[Value]>,
) -> Result<()> {
    let (since, _) = store::checkpoint(tx, "main")?.unwrap_or((0, None));
    let mut params = vec![
        Value::Text(t.new_table.clone()),
        Value::Integer(since as i64),
        Value::Integer(i64::from(bound.is_none())),
    ];
    params.extend((0..width).map(|i| bound.and_then(|b| b.get(i)).cloned().unwrap_or(Value::Null)));
    let marks: Vec<String> = (1..=params.len()).map(|i| format!("?{i}")).collect();
    tx.execute(
        &format!(
            "INSERT OR REPLACE INTO main.{VERIFIED_TO} VALUES ({})",
            marks.join(", ")
        ),
        rusqlite::params_from_iter(params),
    )
    .ctx(|| format!("recording where the verify of {} ends", t.old_table))?;
    Ok(())
}

/// Carries the reverse log back, then compares every row written beyond
/// its table's verify since the last check, in one transaction; moves the
/// marks to the checkpoint. Nothing to do without marks (no verify ran
/// here, or it certified before this mig kept them).
pub fn check_written_since(work: &mut Connection, inv: &Inverse) -> Result<ByKey> {
    crate::engine::verify::hash::register(work)?;
    let tx = lock::begin_immediate(work).ctx(|| "checking rows written since verify".into())?;
    let out = check_written_since_in(&tx, inv)?;
    tx.commit()
        .ctx(|| "checking rows written since verify".into())?;
    Ok(out)
}

/// [`check_written_since`] inside the caller's write transaction on the
/// old database (revert's last one, which makes it writable), on a
/// connection with verify's hash function registered.
pub fn check_written_since_in(tx: &Connection, inv: &Inverse) -> Result<ByKey> {
    let mut out = ByKey {
        entries_replayed: apply::batch_in(tx, inv, u64::MAX, Retry::Touched)?.applied,
        ..Default::default()
    };
    if !has_table(tx, "main", VERIFIED_TO)? {
        return Ok(out);
    }
    let (checkpoint, _) = store::checkpoint(tx, "main")?.unwrap_or((0, None));
    let written = written_to(tx, checkpoint)?;
    let tables = inv.tables.iter().enumerate();
    for (i, t) in tables.filter(|(_, t)| written.contains(&t.new_table)) {
        let Some((since, bound)) = mark(tx, t)? else {
            continue;
        };
        let sql = Sql::new(t, i);
        if collect(tx, t, &sql.sides, (since, checkpoint), bound.as_deref())? == 0 {
            continue;
        }
        let mut unheld = Unheld::new(t);
        out.rows += sql.compare(tx, Rows::Keys, &mut unheld)?;
        unheld.finish()?;
        out.tables += 1;
    }
    tx.execute(
        &format!("UPDATE main.{VERIFIED_TO} SET since = ?1"),
        [checkpoint as i64],
    )
    .ctx(|| "recording the rows checked by key".into())?;
    Ok(out)
}

/// The new tables the reverse log wrote to after the oldest mark, up to
/// `upto`, in one read: the others have nothing to check (under the freeze
/// that is all but the few tables of the tail, whose statements alone are
/// prepared).
fn written_to(tx: &Connection, upto: u64) -> Result<std::collections::HashSet<String>> {
    let what = || "reading the tables written since verify".to_string();
    let mut stmt = tx
        .prepare(&format!(
            "SELECT DISTINCT tbl FROM new.{LOG} WHERE seq > (SELECT coalesce(min(since), 0) FROM main.{VERIFIED_TO}) AND seq <= ?1"
        ))
        .ctx(what)?;
    let rows = stmt.query_map([upto as i64], |r| r.get(0)).ctx(what)?;
    rows.collect::<rusqlite::Result<_>>().ctx(what)
}

/// `t`'s mark: the entry its rows are verified up to, and its verify's
/// last key (`None`: the table was empty).
fn mark(tx: &Connection, t: &TableInverse) -> Result<Option<(u64, Option<Vec<Value>>)>> {
    let w = t.new_key.width();
    let ks: Vec<String> = (0..w).map(|i| format!("k{i}")).collect();
    tx.query_row(
        &format!(
            "SELECT since, empty, {} FROM main.{VERIFIED_TO} WHERE tbl = ?1",
            ks.join(", ")
        ),
        [&t.new_table],
        |r| {
            let since = r.get::<_, i64>(0)?.max(0) as u64;
            let key = (0..w)
                .map(|i| r.get::<_, Value>(2 + i))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((since, (r.get::<_, i64>(1)? == 0).then_some(key)))
        },
    )
    .optional()
    .ctx(|| format!("reading where the verify of {} ended", t.old_table))
}

/// Creates `t`'s table of keys (none when it exists): revert creates it
/// with the sides before its freeze ([`super::ready`]).
pub(super) fn create_keys(tx: &Connection, t: &TableInverse, sides: &Sides) -> Result<()> {
    let ks: Vec<String> = (0..t.new_key.width()).map(|i| format!("k{i}")).collect();
    tx.execute_batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS {}({});",
        Sides::bare(&sides.keys),
        ks.join(", ")
    ))
    .ctx(|| format!("preparing the check by key of {}", t.new_table))
}

/// Fills `sides.keys` with the new keys (before and after a key change)
/// the reverse log wrote in `(since, upto]` beyond `bound`; returns how
/// many.
fn collect(
    tx: &Connection,
    t: &TableInverse,
    sides: &Sides,
    (since, upto): (u64, u64),
    bound: Option<&[Value]>,
) -> Result<u64> {
    let w = t.new_key.width();
    let cols = |p: &str| -> Vec<String> { (0..w).map(|i| format!("{p}{i}")).collect() };
    let (ks, os) = (cols("k"), cols("o"));
    let beyond = |c: &[String]| match bound {
        None => "1".to_string(),
        Some(_) => {
            let marks: Vec<String> = (4..4 + w).map(|i| format!("?{i}")).collect();
            format!("({}) > ({})", c.join(", "), marks.join(", "))
        }
    };
    create_keys(tx, t, sides)?;
    let keys = &sides.keys;
    tx.execute_batch(&format!("DELETE FROM {keys};")).ctx(|| {
        format!(
            "collecting the keys of {} written since verify",
            t.new_table
        )
    })?;
    let scan = format!("FROM new.{LOG} WHERE tbl = ?1 AND seq > ?2 AND seq <= ?3 AND");
    let mut params = vec![
        Value::Text(t.new_table.clone()),
        Value::Integer(since as i64),
        Value::Integer(upto as i64),
    ];
    params.extend(bound.into_iter().flatten().cloned());
    let n = tx
        .execute(
            &format!(
                "INSERT INTO {keys} SELECT {k} {scan} {bk} UNION SELECT {o} {scan} op = 'U' AND {bo}",
                k = ks.join(", "),
                o = os.join(", "),
                bk = beyond(&ks),
                bo = beyond(&os),
            ),
            rusqlite::params_from_iter(params),
        )
        .ctx(|| format!("collecting the keys of {} written since verify", t.new_table))?;
    Ok(n as u64)
}
