//! The SQL that writes old rows, mapped, into a new table: one
//! `INSERT … SELECT` per key range (copy) or per set of touched keys
//! (replay), run by SQLite itself, after the id mapping's bookkeeping
//! (`mapping.rs`) for renumbered tables and translated references.
//!
//! Knows nothing of transactions or progress: callers (copy, replay) own
//! both and run these statements inside their own transaction.

use rusqlite::types::Value;
use rusqlite::Connection;

use super::catalog::q;
use super::error::{Result, SqlContext};
use super::mapping;
use super::plan::{KeyMode, OldKey, TablePlan};

/// The SQL of one table's chunks.
pub(crate) struct ChunkSql {
    /// `INSERT OR REPLACE INTO main.t(...) SELECT ... FROM old.src` (WHERE appended).
    insert: String,
    /// Key expressions on the old table, in index order.
    keys: Vec<String>,
    /// (descending, collation) per key column.
    order: Vec<(bool, String)>,
    from: String,
    /// (renumbered parent, its key's collation, expression) for foreign
    /// keys to translate.
    translations: Vec<(String, String, String)>,
    table: String,
    /// `key IS NOT NULL AND ...` for declared keys (empty for the rowid): a
    /// rowid table's non-INTEGER key may hold NULLs, which no range can
    /// reach; the copy skips them (plan and drain refuse such rows).
    not_null: String,
    /// Keyed by the rowid (an INTEGER, never NULL): chunks are ranges of
    /// values, found by two index seeks instead of counting rows.
    rowid: bool,
    /// The new table's written columns (`rowid` or a column name, unquoted)
    /// and the expression over the old row giving each: what verify
    /// compares.
    written: Vec<(String, String)>,
}

impl ChunkSql {
    pub(crate) fn new(t: &TablePlan, src: &str, key: &OldKey) -> ChunkSql {
        let alias = q(src);
        let from = format!("old.{alias}");
        let keys = key.exprs(&alias);
        let order = match key {
            OldKey::Rowid { .. } => vec![(false, "BINARY".to_string())],
            OldKey::Columns(cols) => cols.iter().map(|c| (c.desc, c.collation.clone())).collect(),
        };
        let collations = key.collations();
        let mut written = t.written();
        if t.key_mode == KeyMode::Renumbered {
            let lookup = mapping::lookup(&t.name, &keys, &collations);
            written.insert(0, ("rowid".to_string(), lookup));
        }
        let (cols, exprs) = column_lists(&written);
        let insert = format!(
            "INSERT OR REPLACE INTO main.{}({cols}) SELECT {exprs} FROM {from}",
            q(&t.name),
        );
        let translations = t
            .columns
            .iter()
            .filter_map(|c| {
                Some((
                    c.translate.clone()?,
                    c.translate_collation.clone(),
                    c.expr.clone()?,
                ))
            })
            .collect();
        let not_null = match key {
            OldKey::Rowid { .. } => String::new(),
            OldKey::Columns(_) => keys
                .iter()
                .map(|k| format!("{k} IS NOT NULL"))
                .collect::<Vec<_>>()
                .join(" AND "),
        };
        ChunkSql {
            insert,
            keys,
            order,
            from,
            translations,
            table: t.name.clone(),
            not_null,
            rowid: matches!(key, OldKey::Rowid { .. }),
            written,
        }
    }

    /// Written columns and their expressions over the old row, rowid first
    /// when set (for a renumbered table, looked up in `_id_mapping`).
    pub(crate) fn written(&self) -> &[(String, String)] {
        &self.written
    }

    /// `old."src"`: the FROM of every statement over the old table.
    pub(crate) fn from(&self) -> &str {
        &self.from
    }

    /// Writes the old rows matching `filter` (over the old table) into the
    /// new table: mapping and reserved references first, then the rows.
    ///
    /// Always `INSERT OR REPLACE`: a row already in the new table under the
    /// same key is overwritten (replay), and a *stale* row that conflicts on
    /// a UNIQUE column is removed. A stale row is one copied or replayed
    /// before its old row changed (e.g. a row copied in an earlier chunk,
    /// then moved to a key the copy had not reached, keeping its email);
    /// its change is in the log, so replay rewrites it. A genuine duplicate
    /// — a UNIQUE constraint the old data does not satisfy — would lose a
    /// row here instead; drain's row-count verification catches that.
    pub(crate) fn apply(
        &self,
        conn: &Connection,
        t: &TablePlan,
        filter: &str,
        params: &[Value],
    ) -> Result<u64> {
        let src = mapping::Source {
            from: &self.from,
            filter,
            params,
        };
        for (parent, collation, expr) in &self.translations {
            mapping::reserve(conn, parent, collation, expr, &src)?;
        }
        if t.key_mode == KeyMode::Renumbered {
            mapping::assign(
                conn,
                &t.name,
                &self.keys,
                &self.collations(),
                &self.order_by(),
                &src,
            )?;
        }
        let n = conn
            .prepare_cached(&format!("{} WHERE {filter}", self.insert))
            .and_then(|mut s| s.execute(rusqlite::params_from_iter(params.iter())))
            .ctx(|| format!("copying rows of {} into {}", self.from, t.name))?;
        Ok(n as u64)
    }

    pub(crate) fn keys(&self) -> &[String] {
        &self.keys
    }

    /// The collation of each key column.
    pub(crate) fn collations(&self) -> Vec<String> {
        self.order.iter().map(|(_, c)| c.clone()).collect()
    }

    /// `key COLLATE x`, or just `key` for BINARY: an explicit COLLATE on a
    /// rowid would stop SQLite from seeking by it.
    fn collated(&self, i: usize) -> String {
        let (_, coll) = &self.order[i];
        if coll.eq_ignore_ascii_case("BINARY") {
            self.keys[i].clone()
        } else {
            format!("{} COLLATE {}", self.keys[i], q(coll))
        }
    }

    fn order_by(&self) -> String {
        (0..self.keys.len())
            .map(|i| {
                format!(
                    "{} {}",
                    self.collated(i),
                    if self.order[i].0 { "DESC" } else { "ASC" }
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Key > cursor (after) or key <= cursor (up to), in index order, with
    /// parameters numbered from `first`.
    ///
    /// A key of several columns in one direction is one row-value
    /// comparison, each cursor value under its key column's collation:
    /// SQLite seeks the key's index to the cursor. Mixed directions (`a, b
    /// DESC`) are spelled out column by column, with a plain range bound on
    /// the leading column so SQLite can seek; rows sharing the cursor's
    /// leading value are then stepped over once per chunk.
    fn compare(&self, after: bool, first: usize) -> String {
        let n = self.keys.len();
        let desc = self.order[0].0;
        if n > 1 && self.order.iter().all(|(d, _)| *d == desc) {
            let op = match (after, desc) {
                (true, false) => ">",
                (true, true) => "<",
                (false, false) => "<=",
                (false, true) => ">=",
            };
            let cursor: Vec<String> = (0..n)
                .map(|i| format!("?{} COLLATE {}", first + i + 1, q(&self.order[i].1)))
                .collect();
            return format!("(({}) {op} ({}))", self.keys.join(", "), cursor.join(", "));
        }
        let mut expr = String::new();
        for i in (0..n).rev() {
            let desc = self.order[i].0;
            let k = self.collated(i);
            let p = format!("?{}", first + i + 1);
            let forward = if desc { "<" } else { ">" };
            let backward = if desc { ">" } else { "<" };
            let strict = if after { forward } else { backward };
            let last = if i == n - 1 {
                if after {
                    format!("{k} {strict} {p}")
                } else {
                    format!("{k} {strict}= {p}")
                }
            } else {
                format!("{k} {strict} {p} OR ({k} = {p} AND ({expr}))")
            };
            expr = last;
        }
        let desc = &self.order[0].0;
        let k0 = self.collated(0);
        let bound = match (after, desc) {
            (true, false) | (false, true) => ">=",
            _ => "<=",
        };
        format!("({k0} {bound} ?{} AND ({expr}))", first + 1)
    }

    /// The WHERE clause of a chunk.
    pub(crate) fn range(&self, has_lo: bool, has_hi: bool, lo_n: usize) -> String {
        let mut parts = Vec::new();
        if !self.not_null.is_empty() {
            parts.push(self.not_null.clone());
        }
        if has_lo {
            parts.push(self.compare(true, 0));
        }
        if has_hi {
            parts.push(self.compare(false, lo_n));
        }
        if parts.is_empty() {
            "1".into()
        } else {
            parts.join(" AND ")
        }
    }

    /// The last key of the next chunk of about `chunk` rows after `lo`, or
    /// `None` when the rest of the table fits in one chunk.
    ///
    /// A rowid key spans the `chunk` values from the first rowid after `lo`
    /// (two seeks; gaps make the chunk hold fewer rows, which the adaptive
    /// sizing absorbs); any other key is the `chunk`-th row after `lo`.
    pub(crate) fn chunk_end(
        &self,
        conn: &Connection,
        lo: Option<&[Value]>,
        chunk: u64,
    ) -> Result<Option<Vec<Value>>> {
        if self.rowid {
            return self.rowid_chunk_end(conn, lo, chunk);
        }
        let filter = self.range(lo.is_some(), false, 0);
        let sql = format!(
            "SELECT {} FROM {} WHERE {filter} ORDER BY {} LIMIT 1 OFFSET {}",
            self.keys.join(", "),
            self.from,
            self.order_by(),
            chunk.saturating_sub(1)
        );
        let mut stmt = conn
            .prepare_cached(&sql)
            .ctx(|| format!("finding the next chunk of {}", self.table))?;
        let params: Vec<Value> = lo.map(|l| l.to_vec()).unwrap_or_default();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params))
            .ctx(|| format!("finding the next chunk of {}", self.table))?;
        match rows
            .next()
            .ctx(|| format!("finding the next chunk of {}", self.table))?
        {
            None => Ok(None),
            Some(r) => {
                let mut out = Vec::with_capacity(self.keys.len());
                for i in 0..self.keys.len() {
                    out.push(r.get::<_, Value>(i).ctx(|| "reading a chunk key".into())?);
                }
                Ok(Some(out))
            }
        }
    }
}

impl ChunkSql {
    fn rowid_chunk_end(
        &self,
        conn: &Connection,
        lo: Option<&[Value]>,
        chunk: u64,
    ) -> Result<Option<Vec<Value>>> {
        let k = &self.keys[0];
        let after = if lo.is_some() {
            format!("WHERE {k} > ?1")
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT (SELECT min({k}) FROM {from} {after}), (SELECT max({k}) FROM {from})",
            from = self.from
        );
        let params: Vec<Value> = lo.map(|l| l.to_vec()).unwrap_or_default();
        let (first, last): (Option<i64>, Option<i64>) = conn
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_row(rusqlite::params_from_iter(params), |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
            })
            .ctx(|| format!("finding the next chunk of {}", self.table))?;
        let (Some(first), Some(last)) = (first, last) else {
            return Ok(None);
        };
        let span = i64::try_from(chunk.max(1) - 1).unwrap_or(i64::MAX);
        match first.checked_add(span) {
            Some(end) if end < last => Ok(Some(vec![Value::Integer(end)])),
            _ => Ok(None),
        }
    }
}

/// The column list and the matching SELECT list of an `INSERT … SELECT`
/// writing `written` ((new column or `rowid`, expression over the old row)).
pub(crate) fn column_lists(written: &[(String, String)]) -> (String, String) {
    let cols: Vec<String> = written
        .iter()
        .map(|(c, _)| if c == "rowid" { c.clone() } else { q(c) })
        .collect();
    let exprs: Vec<&str> = written.iter().map(|(_, e)| e.as_str()).collect();
    (cols.join(", "), exprs.join(", "))
}
