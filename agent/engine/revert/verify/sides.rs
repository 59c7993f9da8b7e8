//! Verify's two sides for one table, and the keys a check by key reads:
//! temporary tables named for the table, created once per connection
//! (revert creates them before its freeze, `super::ready`) and emptied and
//! refilled by each comparison (`sql.rs`), so a check by key under revert's
//! freeze changes no temporary schema.

use rusqlite::Connection;

use super::super::inverse::ROW;
use super::sql::{Rows, Sql};
use crate::engine::catalog::q;
use crate::engine::error::{Result, SqlContext};

/// Table `i`'s temporary tables for verify, each named for the table (its
/// place in the inverse) and created once per connection, like reverse
/// replay's (`temp.rs`): `a` the inverse of the new rows compared, `b` the
/// old rows at their keys, `keys` the new keys `by_key` collects. A
/// comparison empties and refills them, so a check by key under revert's
/// freeze changes no temporary schema (each `CREATE` or `DROP` of a
/// temporary table expires every statement prepared on the connection).
#[derive(Debug, Clone)]
pub(super) struct Sides {
    pub(super) a: String,
    pub(super) b: String,
    pub(super) keys: String,
}

impl Sides {
    pub(super) fn of(i: usize) -> Sides {
        Sides {
            a: format!("temp._mig_rev{i}_va"),
            b: format!("temp._mig_rev{i}_vb"),
            keys: format!("temp._mig_rev{i}_vkeys"),
        }
    }

    /// `name` without its schema, as `CREATE TEMP TABLE` and `ON` take it.
    pub(super) fn bare(name: &str) -> &str {
        name.trim_start_matches("temp.")
    }
}

impl Sql<'_> {
    /// Creates the sides `a` and `b` (none when they exist, as revert
    /// creates them before its freeze: [`super::ready`]): the old key as
    /// `ks`, then `e0..` the exact columns, `f0..` the computed ones. `b`
    /// is indexed by its key: [`Sql::differing`] looks up each row of `a`
    /// there, and SQLite builds no automatic index for a correlated NOT
    /// EXISTS: without it each chunk cost rows² comparisons (0.5 s per
    /// 5,000-row chunk, 12 s to verify 120,000 rows before a revert).
    pub(super) fn create_sides(&self, tx: &Connection) -> Result<()> {
        let ks: Vec<String> = (0..self.okeys.len()).map(|i| format!("k{i}")).collect();
        let (old, new) = (q(&self.t.old_table), q(&self.t.new_table));
        let mut decl: Vec<String> = self
            .okeys
            .iter()
            .zip(&ks)
            .map(|(k, a)| format!("x.{k} AS {a}"))
            .collect();
        decl.extend(
            self.exact
                .iter()
                .enumerate()
                .map(|(i, (n, _))| format!("x.{} AS e{i}", q(n))),
        );
        decl.extend(
            self.t
                .computed
                .iter()
                .enumerate()
                .map(|(i, (n, _))| format!("n.{} AS f{i}", q(n))),
        );
        let (a, b) = (&self.sides.a, &self.sides.b);
        tx.execute_batch(&format!(
            "CREATE TABLE IF NOT EXISTS {a} AS SELECT {d} FROM main.{old} AS x, new.{new} AS n WHERE 0;\n\
             CREATE TABLE IF NOT EXISTS {b} AS SELECT {d} FROM main.{old} AS x, new.{new} AS n WHERE 0;\n\
             CREATE INDEX IF NOT EXISTS {b}_key ON {} ({k});",
            Sides::bare(b),
            d = decl.join(", "),
            k = ks.join(", ")
        ))
        .ctx(|| self.context())
    }

    /// The sides created if missing, then emptied.
    pub(super) fn empty_sides(&self, tx: &Connection) -> Result<()> {
        self.create_sides(tx)?;
        tx.execute_batch(&format!(
            "DELETE FROM {}; DELETE FROM {};",
            self.sides.a, self.sides.b
        ))
        .ctx(|| self.context())
    }

    /// Fills `a` with the inverse of the new rows in `range` (conflicts
    /// left out), `b` with the old rows at those keys.
    pub(super) fn fill_sides(&self, tx: &Connection, rows: Rows<'_>, ks: &[String]) -> Result<()> {
        let (old, new) = (q(&self.t.old_table), q(&self.t.new_table));
        let mut from_new: Vec<String> = self.cur.clone();
        from_new.extend(self.exact.iter().map(|(_, e)| e.clone()));
        from_new.extend(
            self.t
                .computed
                .iter()
                .map(|(n, _)| format!("{ROW}.{}", q(n))),
        );
        let (from, which, params) = match rows {
            Rows::Range(range) => (String::new(), self.range(range), range.params()),
            // Driven by the keys (each a lookup), not by the table.
            Rows::Keys => (
                format!("{} AS kk CROSS JOIN ", self.sides.keys),
                self.at_keys(),
                Vec::new(),
            ),
        };
        tx.execute(
            &format!(
                "INSERT INTO {} SELECT {} FROM {from}new.{new} AS {ROW} WHERE {} AND {}",
                self.sides.a,
                from_new.join(", "),
                which,
                self.not_conflict()
            ),
            rusqlite::params_from_iter(params),
        )
        .ctx(|| self.context())?;
        let mut from_old: Vec<String> = self.okeys.clone();
        from_old.extend(self.exact.iter().map(|(n, _)| q(n)));
        from_old.extend(self.t.computed.iter().map(|(_, e)| format!("({e})")));
        tx.execute(
            &format!(
                "INSERT INTO {} SELECT {} FROM main.{old} WHERE ({}) IN (SELECT {} FROM {})",
                self.sides.b,
                from_old.join(", "),
                self.okeys.join(", "),
                ks.join(", "),
                self.sides.a
            ),
            [],
        )
        .ctx(|| self.context())?;
        Ok(())
    }
}
