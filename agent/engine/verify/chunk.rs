//! Compares one chunk of a new table with the mapping of the same key range
//! of its old table, inside the caller's transaction.
//!
//! The expected rows are written to a temporary table declared like the new
//! one (`CREATE TEMP TABLE … AS SELECT … WHERE 0` copies each column's
//! affinity), so both sides hold values converted the same way; then count
//! and an order-independent sum of row hashes are compared, and on a
//! mismatch the exact rows are compared to name the differing keys. Memory
//! is bounded by the chunk: nothing is loaded into the process.

use rusqlite::types::Value;
use rusqlite::Connection;

use super::hash::ROW_HASH;
use crate::engine::catalog::q;
use crate::engine::chunk_sql::{ChunkSql, KeyRange};
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::plan::{KeyMode, OldKey, TablePlan};

/// Keys named per table in a difference report.
pub const MAX_KEYS: usize = 5;

const EXPECTED: &str = "temp._mig_verify";

/// Count and hash sum (as two 32-bit halves, so `sum()` cannot overflow).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest {
    pub rows: i64,
    pub lo: i64,
    pub hi: i64,
}

/// The SQL of one table's comparison.
pub struct TableCheck {
    pub sql: ChunkSql,
    /// `n."col"` (or `n.rowid`) per written column, in order.
    actual_cols: Vec<String>,
    /// Index into the written columns of each new key column.
    key_idx: Vec<usize>,
    /// `n."key"` per new key column.
    key_cols: Vec<String>,
    old_key_width: usize,
    pub table: String,
}

impl TableCheck {
    pub fn new(t: &TablePlan, src: &str, key: &OldKey) -> Result<TableCheck> {
        let sql = ChunkSql::new(t, src, key);
        let col = |c: &str| {
            if c == "rowid" {
                "n.rowid".to_string()
            } else {
                format!("n.{}", q(c))
            }
        };
        let names: Vec<&str> = sql.written().iter().map(|(c, _)| c.as_str()).collect();
        let key_names: Vec<String> = match t.key_mode {
            KeyMode::Renumbered => vec!["rowid".to_string()],
            _ => t.new_key.iter().map(|(c, _)| c.clone()).collect(),
        };
        let mut key_idx = Vec::new();
        for k in &key_names {
            let i = names
                .iter()
                .position(|n| n.eq_ignore_ascii_case(k))
                .ok_or_else(|| EngineError::Precondition(format!(
                    "cannot verify {}: its key column {k} is not copied from the old table; compare it by hand",
                    t.name
                )))?;
            key_idx.push(i);
        }
        Ok(TableCheck {
            actual_cols: names.iter().map(|c| col(c)).collect(),
            key_cols: key_names.iter().map(|c| col(c)).collect(),
            key_idx,
            old_key_width: key.width(),
            table: t.name.clone(),
            sql,
        })
    }

    /// (Re)creates the temporary table of expected rows: `c0…` like the new
    /// table's written columns, `k0…` the old key (for reporting).
    pub fn prepare(&self, conn: &Connection) -> Result<()> {
        let mut cols: Vec<String> = (0..self.actual_cols.len())
            .map(|i| format!("{} AS c{i}", self.actual_cols[i]))
            .collect();
        cols.extend((0..self.old_key_width).map(|i| format!("NULL AS k{i}")));
        conn.execute_batch(&format!(
            "DROP TABLE IF EXISTS {EXPECTED}; CREATE TEMP TABLE _mig_verify AS SELECT {} FROM main.{} AS n WHERE 0",
            cols.join(", "),
            q(&self.table)
        ))
        .ctx(|| format!("preparing to verify {}", self.table))
    }

    pub fn cleanup(conn: &Connection) -> Result<()> {
        conn.execute_batch(&format!("DROP TABLE IF EXISTS {EXPECTED}"))
            .ctx(|| "dropping verify's temporary table".into())
    }

    /// Fills the expected rows of the chunk `filter` and digests both sides.
    pub fn digests(
        &self,
        conn: &Connection,
        filter: &str,
        params: &[Value],
    ) -> Result<(Digest, Digest)> {
        let ctx = || format!("verifying a chunk of {}", self.table);
        conn.execute(&format!("DELETE FROM {EXPECTED}"), [])
            .ctx(ctx)?;
        let exprs: Vec<&str> = self.sql.written().iter().map(|(_, e)| e.as_str()).collect();
        conn.prepare_cached(&format!(
            "INSERT INTO {EXPECTED} SELECT {}, {} FROM {} WHERE {filter}",
            exprs.join(", "),
            self.sql.keys().join(", "),
            self.sql.from()
        ))
        .and_then(|mut s| s.execute(rusqlite::params_from_iter(params.iter())))
        .ctx(ctx)?;
        let expected = self.digest(
            conn,
            &self.expected_hash("x"),
            &format!("FROM {EXPECTED} AS x"),
        )?;
        let actual = self.digest(
            conn,
            &format!("{ROW_HASH}({})", self.actual_cols.join(", ")),
            &format!(
                "FROM main.{} AS n WHERE {} IN (SELECT {} FROM {EXPECTED})",
                q(&self.table),
                tuple(&self.key_cols),
                self.key_idx
                    .iter()
                    .map(|i| format!("c{i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )?;
        Ok((expected, actual))
    }

    fn expected_hash(&self, alias: &str) -> String {
        let cols: Vec<String> = (0..self.actual_cols.len())
            .map(|i| format!("{alias}.c{i}"))
            .collect();
        format!("{ROW_HASH}({})", cols.join(", "))
    }

    /// Count and hash sum of `hash` over the rows of `from`.
    fn digest(&self, conn: &Connection, hash: &str, from: &str) -> Result<Digest> {
        conn.prepare_cached(&format!(
            "SELECT count(*), coalesce(sum(h & 4294967295), 0), coalesce(sum((h >> 32) & 4294967295), 0) \
             FROM (SELECT {hash} AS h {from})"
        ))
        .and_then(|mut s| {
            s.query_row([], |r| {
                Ok(Digest {
                    rows: r.get(0)?,
                    lo: r.get(1)?,
                    hi: r.get(2)?,
                })
            })
        })
        .ctx(|| format!("digesting a chunk of {}", self.table))
    }

    /// How many expected rows the new table lacks or holds differently,
    /// and the old keys (rendered with `quote()`) of at most [`MAX_KEYS`].
    pub fn differing_rows(&self, conn: &Connection) -> Result<(u64, Vec<String>)> {
        let on: Vec<String> = self
            .key_idx
            .iter()
            .zip(&self.key_cols)
            .map(|(i, k)| format!("{k} = x.c{i}"))
            .collect();
        let keys: Vec<String> = (0..self.old_key_width).map(|i| format!("x.k{i}")).collect();
        let differing = format!(
            "FROM {EXPECTED} AS x WHERE NOT EXISTS (SELECT 1 FROM main.{} AS n WHERE {} AND {ROW_HASH}({}) = {})",
            q(&self.table),
            on.join(" AND "),
            self.actual_cols.join(", "),
            self.expected_hash("x")
        );
        let ctx = || format!("comparing rows of {}", self.table);
        let n: i64 = conn
            .query_row(&format!("SELECT count(*) {differing}"), [], |r| r.get(0))
            .ctx(ctx)?;
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {} {differing} LIMIT {MAX_KEYS}",
                shown(&keys)
            ))
            .ctx(ctx)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).ctx(ctx)?;
        let keys = rows.collect::<std::result::Result<Vec<_>, _>>().ctx(ctx)?;
        Ok((n.max(0) as u64, keys))
    }

    /// The new table's row count and the old table's (keyed rows only).
    pub fn counts(&self, conn: &Connection) -> Result<(i64, i64)> {
        let count = |sql: String| -> Result<i64> {
            conn.query_row(&sql, [], |r| r.get(0))
                .ctx(|| format!("counting the rows of {}", self.table))
        };
        let new = count(format!("SELECT count(*) FROM main.{}", q(&self.table)))?;
        let old = count(format!(
            "SELECT count(*) FROM {} WHERE {}",
            self.sql.from(),
            self.sql.range(KeyRange::ALL)
        ))?;
        Ok((new, old))
    }

    /// The condition (over `n`, a row of the new table) that no old row
    /// maps to its key.
    fn extra_rows(&self) -> String {
        let exprs: Vec<String> = self
            .key_idx
            .iter()
            .enumerate()
            .map(|(j, i)| format!("{} AS v{j}", self.sql.written()[*i].1))
            .collect();
        let vs: Vec<String> = (0..self.key_idx.len()).map(|j| format!("v{j}")).collect();
        let not_null: Vec<String> = vs.iter().map(|v| format!("{v} IS NOT NULL")).collect();
        format!(
            "{} NOT IN (SELECT {} FROM (SELECT {} FROM {} WHERE {}) WHERE {})",
            tuple(&self.key_cols),
            vs.join(", "),
            exprs.join(", "),
            self.sql.from(),
            self.sql.range(KeyRange::ALL),
            not_null.join(" AND ")
        )
    }

    /// How many rows of the new table no old row maps to.
    pub fn extra_count(&self, conn: &Connection) -> Result<u64> {
        let n: i64 = conn
            .query_row(
                &format!(
                    "SELECT count(*) FROM main.{} AS n WHERE {}",
                    q(&self.table),
                    self.extra_rows()
                ),
                [],
                |r| r.get(0),
            )
            .ctx(|| format!("counting extra rows in {}", self.table))?;
        Ok(n.max(0) as u64)
    }

    /// New keys of rows no old row maps to, at most [`MAX_KEYS`].
    pub fn extra_keys(&self, conn: &Connection) -> Result<Vec<String>> {
        let sql = format!(
            "SELECT {} FROM main.{} AS n WHERE {} LIMIT {MAX_KEYS}",
            shown(&self.key_cols),
            q(&self.table),
            self.extra_rows()
        );
        let mut stmt = conn
            .prepare(&sql)
            .ctx(|| format!("looking for extra rows in {}", self.table))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .ctx(|| format!("looking for extra rows in {}", self.table))?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .ctx(|| format!("looking for extra rows in {}", self.table))
    }

    /// Deletes the rows no old row maps to; returns how many.
    pub fn delete_extra(&self, conn: &Connection) -> Result<u64> {
        let sql = format!(
            "DELETE FROM main.{} AS n WHERE {}",
            q(&self.table),
            self.extra_rows()
        );
        let n = conn
            .execute(&sql, [])
            .ctx(|| format!("deleting extra rows of {}", self.table))?;
        Ok(n as u64)
    }
}

/// A key as SQL literals: `7`, or `(1, 'a')` for several columns.
fn shown(cols: &[String]) -> String {
    let quoted: Vec<String> = cols.iter().map(|c| format!("quote({c})")).collect();
    if quoted.len() == 1 {
        quoted.join("")
    } else {
        format!("'(' || {} || ')'", quoted.join(" || ', ' || "))
    }
}

fn tuple(items: &[String]) -> String {
    if items.len() == 1 {
        items[0].clone()
    } else {
        format!("({})", items.join(", "))
    }
}
