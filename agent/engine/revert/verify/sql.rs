//! The SQL of revert's verify for one table: the new rows of a chunk (a
//! key range) or of a set of keys, their inverse and the old rows at those
//! keys in two temporary tables declared like the old table (so both sides
//! hold values converted alike), compared by count and a sum of row hashes,
//! then row by row to name the differing keys. Columns the new schema
//! dropped are the old database's own and are not compared; rows the old
//! schema refused (conflicts) are left out.

use rusqlite::types::Value;
use rusqlite::Connection;

use super::super::inverse::{ColumnValue, KeySource, TableInverse, ROW};
use super::super::store::CONFLICTS;
use super::super::unheld::Unheld;
use super::sides::Sides;
use super::CHUNK_ROWS;
use crate::engine::catalog::q;
use crate::engine::chunk_sql::KeyRange;
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::plan::quoted::QuotedText;
use crate::engine::plan::OldKey;
use crate::engine::verify::hash::ROW_HASH;

/// Which new rows a comparison reads.
#[derive(Clone, Copy)]
pub(super) enum Rows<'a> {
    /// A chunk, by new key.
    Range(KeyRange<'a>),
    /// The new keys in [`Sides::keys`].
    Keys,
}

#[derive(Clone, Copy)]
enum Compared {
    All,
    /// The old key and the exact columns, not the computed ones.
    KeyAndExact,
}

pub(super) struct Sql<'a> {
    pub(super) t: &'a TableInverse,
    /// Its temporary tables.
    pub(super) sides: Sides,
    /// The new key over the new row.
    pub(super) nk: Vec<String>,
    /// The old key now, over the new row.
    pub(super) cur: Vec<String>,
    /// Old key columns (`rowid` or quoted names).
    pub(super) okeys: Vec<String>,
    /// Old columns computed exactly from the new row, and their expressions.
    pub(super) exact: Vec<(String, String)>,
}

impl<'a> Sql<'a> {
    /// Table `t`, the `i`-th of the inverse.
    pub(super) fn new(t: &'a TableInverse, i: usize) -> Sql<'a> {
        let nk = t.new_key.exprs(ROW);
        let okeys: Vec<String> = t
            .old_key_columns()
            .iter()
            .map(|k| if k == "rowid" { k.clone() } else { q(k) })
            .collect();
        let alias = match &t.old_key {
            OldKey::Rowid { alias } => alias.clone(),
            OldKey::Columns(_) => None,
        };
        let key_names = t.old_key_columns();
        let exact = t
            .columns
            .iter()
            .filter(|c| {
                c.exact()
                    && !key_names.iter().any(|k| k.eq_ignore_ascii_case(&c.name))
                    && !alias
                        .as_deref()
                        .is_some_and(|a| a.eq_ignore_ascii_case(&c.name))
            })
            .filter_map(|c| match &c.value {
                ColumnValue::Expr(e) => Some((c.name.clone(), e.clone())),
                ColumnValue::Keep => None,
            })
            .collect();
        let cur = match &t.key {
            KeySource::OfNewKey(ex) | KeySource::Mapped { natural: Some(ex) } => ex.clone(),
            KeySource::Mapped { natural: None } => {
                let cond: Vec<String> = nk
                    .iter()
                    .enumerate()
                    .map(|(j, p)| format!("m.n{j} = +({p})"))
                    .collect();
                (0..t.old_key.width())
                    .map(|i| {
                        format!(
                            "(SELECT m.o{i} FROM main.{} AS m WHERE {})",
                            q(&t.map_table()),
                            cond.join(" AND ")
                        )
                    })
                    .collect()
            }
        };
        Sql {
            t,
            sides: Sides::of(i),
            nk,
            cur,
            okeys,
            exact,
        }
    }

    /// The WHERE clause of the new rows in `range`, by new key.
    pub(super) fn range(&self, range: KeyRange<'_>) -> String {
        let w = self.nk.len();
        let tuple = format!("({})", self.nk.join(", "));
        let marks = |first: usize| {
            format!(
                "({})",
                (first..first + w)
                    .map(|i| format!("?{i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let mut parts = vec!["1".to_string()];
        if range.lo.is_some() {
            parts.push(format!("{tuple} > {}", marks(1)));
        }
        if range.hi.is_some() {
            parts.push(format!("{tuple} <= {}", marks(range.hi_first() + 1)));
        }
        parts.join(" AND ")
    }

    /// The key of the [`CHUNK_ROWS`]-th new row in `within` (`None`: fewer).
    pub(super) fn chunk_end(
        &self,
        tx: &Connection,
        within: KeyRange<'_>,
    ) -> Result<Option<Vec<Value>>> {
        self.key_at(tx, within, "", CHUNK_ROWS - 1)
    }

    /// The new table's last key now (`None`: it is empty).
    pub(super) fn last_key(&self, tx: &Connection) -> Result<Option<Vec<Value>>> {
        self.key_at(tx, KeyRange::ALL, " DESC", 0)
    }

    fn key_at(
        &self,
        tx: &Connection,
        within: KeyRange<'_>,
        dir: &str,
        offset: u64,
    ) -> Result<Option<Vec<Value>>> {
        let order: Vec<String> = self.nk.iter().map(|k| format!("{k}{dir}")).collect();
        let sql = format!(
            "SELECT {} FROM new.{} AS {ROW} WHERE {} ORDER BY {} LIMIT 1 OFFSET {offset}",
            self.nk.join(", "),
            q(&self.t.new_table),
            self.range(within),
            order.join(", "),
        );
        let params = within.params();
        let mut stmt = tx
            .prepare_cached(&sql)
            .ctx(|| format!("finding the next chunk of {}", self.t.new_table))?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params))
            .ctx(|| format!("finding the next chunk of {}", self.t.new_table))?;
        match rows.next().ctx(|| "reading a chunk key".into())? {
            None => Ok(None),
            Some(r) => (0..self.nk.len())
                .map(|i| r.get::<_, Value>(i).ctx(|| "reading a chunk key".into()))
                .collect::<Result<Vec<_>>>()
                .map(Some),
        }
    }

    /// The new row at the key of `kk`, a row of [`Sides::keys`].
    pub(super) fn at_keys(&self) -> String {
        let on: Vec<String> = (self.nk.iter().enumerate())
            .map(|(i, k)| format!("{k} = kk.k{i}"))
            .collect();
        on.join(" AND ")
    }

    /// Rows of new keys not in conflict.
    pub(super) fn not_conflict(&self) -> String {
        let ks: Vec<String> = (0..self.nk.len()).map(|i| format!("c.k{i}")).collect();
        format!(
            "({}) NOT IN (SELECT {} FROM main.{CONFLICTS} AS c WHERE c.tbl = '{}')",
            self.nk.join(", "),
            ks.join(", "),
            self.t.new_table.replace('\'', "''")
        )
    }

    /// Compares one chunk; returns its rows. Both sides go into temporary
    /// tables declared like the columns they hold (old key and exact
    /// columns like the old table, computed ones like the new): `a` from
    /// the new rows (the inverse), `b` from the old rows at those keys (the
    /// computed columns' forward expressions over them). Rows that differ
    /// only in computed columns are counted in `unheld` (refused once the
    /// table is done, with every count); any other difference fails here.
    pub(super) fn compare(
        &self,
        tx: &Connection,
        rows: Rows<'_>,
        unheld: &mut Unheld,
    ) -> Result<u64> {
        let ks: Vec<String> = (0..self.okeys.len()).map(|i| format!("k{i}")).collect();
        self.empty_sides(tx)?;
        self.fill_sides(tx, rows, &ks)?;
        let differing = self.differing(&ks, Compared::All);
        let (rows, bad): (i64, i64) = tx
            .query_row(
                &format!(
                    "SELECT (SELECT count(*) FROM {}), (SELECT count(*) {differing})",
                    self.sides.a
                ),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ctx(|| self.context())?;
        if bad > 0 && self.only_computed(tx, &ks, bad, unheld)? {
            return Ok(rows.max(0) as u64);
        }
        if bad > 0 {
            let keys = self.differing_keys(tx, &ks, &differing)?;
            return Err(EngineError::Verification(QuotedText::naming(
                &keys.join("; "),
                |keys| {
                    format!(
                "revert verification failed: old table {} differs from the inverse of {} at key {keys} ({bad} rows): the new rows do not come back exactly through the inverse mapping (a `mig:revert` expression that loses part of them), or the old database was written outside mig during the window; fix those rows in the new database (the fix is carried back) and run `mig revert` again, or `mig finalize` to stay on the new database; the window stays open, nothing was made writable",
                self.t.old_table,
                self.t.new_table,
            )
                },
            )));
        }
        Ok(rows.max(0) as u64)
    }

    /// Whether the `bad` differing rows of the chunk differ only in
    /// computed columns (then counted in `unheld`).
    fn only_computed(
        &self,
        tx: &Connection,
        ks: &[String],
        bad: i64,
        unheld: &mut Unheld,
    ) -> Result<bool> {
        if self.t.computed.is_empty() {
            return Ok(false);
        }
        let held = self.differing(ks, Compared::KeyAndExact);
        let other: i64 = tx
            .query_row(&format!("SELECT count(*) {held}"), [], |r| r.get(0))
            .ctx(|| self.context())?;
        if other > 0 {
            return Ok(false);
        }
        Ok(unheld.add(tx, ks, (&self.sides.a, &self.sides.b))? == bad.max(0) as u64)
    }

    pub(super) fn context(&self) -> String {
        format!(
            "verifying {} against {}",
            self.t.old_table, self.t.new_table
        )
    }

    /// `FROM … WHERE …`: the rows of `a` with no row in `b` equal in the
    /// `compared` columns.
    fn differing(&self, ks: &[String], compared: Compared) -> String {
        let computed = match compared {
            Compared::All => self.t.computed.len(),
            Compared::KeyAndExact => 0,
        };
        let all: Vec<String> = ks
            .iter()
            .cloned()
            .chain((0..self.exact.len()).map(|i| format!("e{i}")))
            .chain((0..computed).map(|i| format!("f{i}")))
            .collect();
        let hash = |alias: &str| {
            format!(
                "{ROW_HASH}({})",
                all.iter()
                    .map(|c| format!("{alias}.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let on: Vec<String> = ks.iter().map(|k| format!("b.{k} = a.{k}")).collect();
        format!(
            "FROM {} AS a WHERE NOT EXISTS (SELECT 1 FROM {} AS b WHERE {} AND {} = {})",
            self.sides.a,
            self.sides.b,
            on.join(" AND "),
            hash("b"),
            hash("a")
        )
    }

    /// Up to 10 old keys of the differing rows, as SQL literals.
    fn differing_keys(
        &self,
        tx: &Connection,
        ks: &[String],
        differing: &str,
    ) -> Result<Vec<String>> {
        let mut stmt = tx
            .prepare(&format!(
                "SELECT {} {differing} LIMIT 10",
                ks.iter()
                    .map(|k| format!("quote(a.{k})"))
                    .collect::<Vec<_>>()
                    .join(" || ', ' || ")
            ))
            .ctx(|| self.context())?;
        let keys = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .ctx(|| self.context())?
            .collect::<std::result::Result<Vec<_>, _>>()
            .ctx(|| self.context())?;
        Ok(keys)
    }

    /// Old rows no new row maps to (a conflict's table is not checked:
    /// its refused keys legitimately differ).
    pub(super) fn extra(&self, tx: &Connection) -> Result<()> {
        let conflicts: i64 = tx
            .query_row(
                &format!("SELECT count(*) FROM main.{CONFLICTS} WHERE tbl = ?1"),
                [&self.t.new_table],
                |r| r.get(0),
            )
            .ctx(|| "counting revert conflicts".into())?;
        if conflicts > 0 {
            return Ok(());
        }
        let ok: Vec<String> = self.okeys.iter().map(|k| format!("x.{k}")).collect();
        let sql = format!(
            "SELECT count(*) FROM main.{} AS x WHERE ({}) NOT IN (SELECT {} FROM new.{} AS {ROW})",
            q(&self.t.old_table),
            ok.join(", "),
            self.cur.join(", "),
            q(&self.t.new_table)
        );
        let n: i64 = tx
            .query_row(&sql, [], |r| r.get(0))
            .ctx(|| format!("looking for extra rows in {}", self.t.old_table))?;
        if n > 0 {
            return Err(EngineError::Verification(format!(
                "revert verification failed: old table {} has {n} rows no row of {} maps to; the old database was written outside mig during the window: the window stays open; check `mig status`",
                self.t.old_table, self.t.new_table
            ).into()));
        }
        Ok(())
    }
}
