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

mod range;
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
    /// A renumbered table keyed by the rowid: `insert` with the new rowid
    /// written as `old rowid + {offset}` instead of looked up.
    offset_insert: Option<String>,
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
        let rowid = matches!(key, OldKey::Rowid { .. });
        let offset_insert = (t.key_mode == KeyMode::Renumbered && rowid).then(|| {
            let mut by_offset = written.clone();
            by_offset[0].1 = format!("{} + {{offset}}", keys[0]);
            let (cols, exprs) = column_lists(&by_offset);
            format!(
                "INSERT OR REPLACE INTO main.{}({cols}) SELECT {exprs} FROM {from}",
                q(&t.name),
            )
        });
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
            rowid,
            written,
            offset_insert,
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

    /// Writes the chunk `(lo, hi]` of the old table (copy, `plan`'s
    /// sample): [`ChunkSql::apply`] over the key range, except that a
    /// renumbered table keyed by the rowid whose range holds no mapped key
    /// yet (nothing was replayed ahead of the copy) is numbered by offset —
    /// new rowid = old rowid + offset, the range's first row taking the next
    /// free id — with no lookup per row. Returns the rows written.
    pub(crate) fn apply_range(
        &self,
        conn: &Connection,
        t: &TablePlan,
        lo: Option<&[Value]>,
        hi: Option<&[Value]>,
    ) -> Result<u64> {
        let mut params: Vec<Value> = lo.into_iter().flatten().cloned().collect();
        let lo_n = params.len();
        params.extend(hi.into_iter().flatten().cloned());
        let filter = self.range(lo.is_some(), hi.is_some(), lo_n);
        if let Some(insert) = &self.offset_insert {
            let src = mapping::Source {
                from: &self.from,
                filter: &filter,
                params: &params,
            };
            for (parent, collation, expr) in &self.translations {
                mapping::reserve(conn, parent, collation, expr, &src)?;
            }
            if let Some(offset) = mapping::assign_by_offset(conn, &t.name, &self.keys[0], &src)? {
                let sql = format!(
                    "{} WHERE {filter}",
                    insert.replace("{offset}", &offset.to_string())
                );
                let n = conn
                    .execute(&sql, rusqlite::params_from_iter(params.iter()))
                    .ctx(|| format!("copying rows of {} into {}", self.from, t.name))?;
                return Ok(n as u64);
            }
        }
        self.apply(conn, t, &filter, &params)
    }

    pub(crate) fn keys(&self) -> &[String] {
        &self.keys
    }

    /// The collation of each key column.
    pub(crate) fn collations(&self) -> Vec<String> {
        self.order.iter().map(|(_, c)| c.clone()).collect()
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
