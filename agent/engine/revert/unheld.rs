//! New values of a computed column (`mig:set email = lower(Email)`) that
//! the old schema cannot hold: the old row a revert gives back (through
//! `mig:revert` or a copy) does not map forward to them, so carrying them
//! back would lose them (an upper-case `email`). Revert's verify counts
//! them chunk by chunk, table by table, and refuses with one line naming
//! each table, column and count; nothing is ever dropped silently (unlike
//! a new-only column, `--drop-new-columns` does not cover them: the old
//! row would hold another value under the same meaning).

use rusqlite::Connection;

use super::expr::mentions;
use super::inverse::{ColumnValue, TableInverse};
use crate::engine::error::{EngineError, Result, SqlContext};

/// Keys shown in the refusal, per table.
const SHOWN_KEYS: usize = 5;

/// The values of one table's computed columns its reverted old rows do
/// not give back, counted so far.
pub(super) struct Unheld<'a> {
    t: &'a TableInverse,
    /// One count per computed column, in `t.computed`'s order.
    counts: Vec<u64>,
    /// Old keys of some of those rows, as SQL literals.
    keys: Vec<String>,
}

impl<'a> Unheld<'a> {
    pub(super) fn new(t: &'a TableInverse) -> Unheld<'a> {
        Unheld {
            t,
            counts: vec![0; t.computed.len()],
            keys: Vec::new(),
        }
    }

    /// Counts the rows of the chunk in verify's sides (`a`, the new rows;
    /// `b`, the old rows at their keys `ks`) whose computed column `f{i}`
    /// differs; returns how many rows differ in any.
    pub(super) fn add(
        &mut self,
        tx: &Connection,
        ks: &[String],
        (a, b): (&str, &str),
    ) -> Result<u64> {
        let on: Vec<String> = ks.iter().map(|k| format!("b.{k} = a.{k}")).collect();
        let from = format!("FROM {a} AS a JOIN {b} AS b ON {}", on.join(" AND "));
        let context = || format!("counting new values {} cannot hold", self.t.old_table);
        for (i, n) in self.counts.iter_mut().enumerate() {
            let c: i64 = tx
                .query_row(
                    &format!("SELECT count(*) {from} WHERE a.f{i} IS NOT b.f{i}"),
                    [],
                    |r| r.get(0),
                )
                .ctx(context)?;
            *n += c.max(0) as u64;
        }
        let any: Vec<String> = (0..self.counts.len())
            .map(|i| format!("a.f{i} IS NOT b.f{i}"))
            .collect();
        let any = any.join(" OR ");
        let rows: i64 = tx
            .query_row(&format!("SELECT count(*) {from} WHERE {any}"), [], |r| {
                r.get(0)
            })
            .ctx(context)?;
        if self.keys.len() < SHOWN_KEYS {
            let key = ks
                .iter()
                .map(|k| format!("quote(a.{k})"))
                .collect::<Vec<_>>()
                .join(" || ', ' || ");
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT {key} {from} WHERE {any} LIMIT {}",
                    SHOWN_KEYS - self.keys.len()
                ))
                .ctx(context)?;
            let keys = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .ctx(context)?
                .collect::<std::result::Result<Vec<_>, _>>()
                .ctx(context)?;
            self.keys.extend(keys);
        }
        Ok(rows.max(0) as u64)
    }

    /// The refusal, when any value was counted.
    pub(super) fn finish(self) -> Result<()> {
        let columns: Vec<String> = self
            .t
            .computed
            .iter()
            .zip(&self.counts)
            .filter(|(_, n)| **n > 0)
            .map(|((name, expr), n)| self.describe(name, expr, *n))
            .collect();
        if columns.is_empty() {
            return Ok(());
        }
        Err(EngineError::Precondition(format!(
            "revert refused: {} (old table {}, keys {}); a revert never drops them: fix those rows in the new database (the fix is carried back) and run `mig revert` again, or `mig finalize` to stay on the new database; nothing was made writable, the window stays open",
            columns.join("; "),
            self.t.old_table,
            self.keys.join("; ")
        )))
    }

    /// `the new service wrote 80 value(s) into customer.email that the old
    /// schema cannot hold: the old row a revert gives back (Email = email)
    /// does not map to them through `mig:set email = lower(Email)``.
    fn describe(&self, name: &str, expr: &str, n: u64) -> String {
        let back: Vec<String> = self
            .t
            .columns
            .iter()
            .filter(|c| mentions(expr, &c.name))
            .filter_map(|c| match c.value {
                ColumnValue::Expr(_) => Some(format!("{} = {}", c.name, c.shown)),
                ColumnValue::Keep => None,
            })
            .collect();
        let back = match back.as_slice() {
            [] => String::new(),
            b => format!(" ({})", b.join(", ")),
        };
        format!(
            "the new service wrote {n} value(s) into {}.{name} that the old schema cannot hold: the old row a revert gives back{back} does not map to them through `mig:set {name} = {expr}`",
            self.t.new_table
        )
    }
}
