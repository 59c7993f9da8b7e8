//! The SQL that writes old rows, mapped, into a new table: one
//! `INSERT … SELECT` per key range (copy) or per set of touched keys
//! (replay), run by SQLite itself, plus the `_id_mapping` bookkeeping of
//! renumbered tables and translated references that must precede it.
//!
//! Knows nothing of transactions or progress: callers (copy, replay) own
//! both and run these statements inside their own transaction.

use rusqlite::types::Value;
use rusqlite::Connection;

use super::catalog::{lit, q};
use super::error::{Result, SqlContext};
use super::meta;
use super::plan::{collate, KeyMode, OldKey, TablePlan};

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
            let lookup = format!(
                "(SELECT m._mig_new FROM main._id_mapping m WHERE m._mig_tbl = {} AND {})",
                lit(&t.name),
                mapping_match("m", &keys, &collations)
            );
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
        if !self.translations.is_empty() {
            reserve_references(conn, t, self, filter, params)?;
        }
        if t.key_mode == KeyMode::Renumbered {
            assign_ids(conn, t, self, filter, params)?;
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
    /// parameters numbered from `first`. The leading column also gets a plain
    /// range bound so SQLite can seek the index.
    fn compare(&self, after: bool, first: usize) -> String {
        let n = self.keys.len();
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

/// `m._mig_k0 = key0 AND m._mig_k1 = key1 ...`, each compared with the old
/// key column's collation (a NOCASE key finds its mapping whatever the case).
pub(crate) fn mapping_match(m: &str, keys: &[String], collations: &[String]) -> String {
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            let coll = collations.get(i).map(String::as_str).unwrap_or("BINARY");
            format!("{m}._mig_k{i} = {}", collate(k, coll))
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Gives every old key in the chunk that has no mapping yet a new rowid,
/// numbered in key order.
fn assign_ids(
    conn: &Connection,
    t: &TablePlan,
    sql: &ChunkSql,
    filter: &str,
    params: &[Value],
) -> Result<()> {
    let missing = format!(
        "{filter} AND NOT EXISTS (SELECT 1 FROM main._id_mapping m WHERE m._mig_tbl = {} AND {})",
        lit(&t.name),
        mapping_match("m", &sql.keys, &sql.collations())
    );
    let need: i64 = conn
        .query_row(
            &format!("SELECT count(*) FROM {} WHERE {missing}", sql.from),
            rusqlite::params_from_iter(params.iter()),
            |r| r.get(0),
        )
        .ctx(|| format!("counting new keys for {}", t.name))?;
    if need <= 0 {
        return Ok(());
    }
    let first = meta::allocate_ids(conn, &t.name, need as u64)?;
    let kcols: Vec<String> = (0..sql.keys.len()).map(|i| format!("_mig_k{i}")).collect();
    conn.execute(
        &format!(
            "INSERT INTO main._id_mapping(_mig_tbl, _mig_new, {}) SELECT {}, {} + row_number() OVER (ORDER BY {}), {} FROM {} WHERE {missing}",
            kcols.join(", "),
            lit(&t.name),
            first - 1,
            sql.order_by(),
            sql.keys.join(", "),
            sql.from
        ),
        rusqlite::params_from_iter(params.iter()),
    )
    .ctx(|| format!("assigning new keys for {}", t.name))?;
    Ok(())
}

/// Gives old parent keys referenced by this chunk, but not mapped yet, a
/// reserved new rowid, so references translate even before (or without)
/// their parent row.
fn reserve_references(
    conn: &Connection,
    t: &TablePlan,
    sql: &ChunkSql,
    filter: &str,
    params: &[Value],
) -> Result<()> {
    for (parent, collation, expr) in &sql.translations {
        // Distinct and looked up under the parent key's collation: 'FR' and
        // 'fr' are one NOCASE key.
        let v = collate("v", collation);
        let missing = format!(
            "SELECT DISTINCT {v} AS v FROM (SELECT ({expr}) AS v FROM {} WHERE {filter}) WHERE v IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM main._id_mapping m WHERE m._mig_tbl = {} AND m._mig_k0 = {v})",
            sql.from,
            lit(parent)
        );
        let need: i64 = conn
            .query_row(
                &format!("SELECT count(*) FROM ({missing})"),
                rusqlite::params_from_iter(params.iter()),
                |r| r.get(0),
            )
            .ctx(|| format!("checking references from {} to {parent}", t.name))?;
        if need <= 0 {
            continue;
        }
        let first = meta::allocate_ids(conn, parent, need as u64)?;
        conn.execute(
            &format!(
                "INSERT INTO main._id_mapping(_mig_tbl, _mig_new, _mig_k0) SELECT {}, {} + row_number() OVER (), v FROM ({missing})",
                lit(parent),
                first - 1
            ),
            rusqlite::params_from_iter(params.iter()),
        )
        .ctx(|| format!("reserving keys of {parent} referenced by {}", t.name))?;
    }
    Ok(())
}
