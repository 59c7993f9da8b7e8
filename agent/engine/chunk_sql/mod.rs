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
use super::plan::{KeyMode, OldKey, TablePlan, Translation};
pub(crate) use range::KeyRange;

/// The SQL of one table's chunks.
pub(crate) struct ChunkSql {
    /// `INSERT OR REPLACE INTO main.t(...) SELECT ... FROM old.src` (WHERE appended).
    insert: String,
    /// With translated references: `insert` that stops at a reference the
    /// id mapping lacks (`mapping::strict_lookup`), tried first.
    strict_insert: Option<String>,
    /// `written` with those strict translations, and the FROM with their
    /// joins.
    strict_written: Option<Vec<(String, String)>>,
    strict_from: String,
    /// Key expressions on the old table, in index order.
    keys: Vec<String>,
    /// (descending, collation) per key column.
    order: Vec<(bool, String)>,
    from: String,
    /// The references to translate (reserved when the mapping lacks one).
    translations: Vec<Translation>,
    table: String,
    /// `key IS NOT NULL AND ...` for declared keys (empty for the rowid): a
    /// rowid table's non-INTEGER key may hold NULLs, which no range can
    /// reach; the copy skips them (plan and drain refuse such rows).
    not_null: String,
    /// The new table's written columns (`rowid` or a column name, unquoted)
    /// and the expression over the old row giving each: what verify
    /// compares.
    written: Vec<(String, String)>,
    /// A renumbered table keyed by the rowid: its chunks may be numbered
    /// by offset (`apply_range`).
    by_offset: bool,
    /// A table whose new rowid is its old rowid and that translates no
    /// reference: a copy chunk is one insert bounded by LIMIT, its end the
    /// last rowid inserted ([`ChunkSql::copy_chunk`]).
    ends_by_rowid: bool,
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
        let written = written_over(t, &alias, key, &keys);
        let insert = insert_sql(&t.name, &written, &from);
        let rowid = matches!(key, OldKey::Rowid { .. });
        let (strict_written, joins) = strict_written(t, &written);
        let strict_from = format!("{from}{joins}");
        let strict_insert = strict_written
            .as_ref()
            .map(|w| insert_sql(&t.name, w, &strict_from));
        let translations: Vec<Translation> = t
            .columns
            .iter()
            .filter_map(|c| c.translate.clone())
            .collect();
        let has_translations = !translations.is_empty() || strict_insert.is_some();
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
            strict_insert,
            strict_written,
            strict_from,
            keys,
            order,
            from,
            translations,
            table: t.name.clone(),
            not_null,
            written,
            by_offset: t.key_mode == KeyMode::Renumbered && rowid,
            ends_by_rowid: t.rowid_kept
                && rowid
                && t.key_mode == KeyMode::Preserved
                && !has_translations,
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
    /// new table: new keys of a renumbered table mapped first, then the
    /// rows (references the mapping lacks reserved on the way, see
    /// [`ChunkSql::write`]).
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
        if t.key_mode == KeyMode::Renumbered {
            let src = mapping::Source {
                from: &self.from,
                filter,
                params,
            };
            mapping::assign(conn, &t.name, &self.keys, &self.order_by(), &src)?;
        }
        let inserts = (self.insert.as_str(), self.strict_insert.as_deref());
        self.write(conn, t, inserts, filter, params, Cache::Prepared)
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
        let range = KeyRange { lo, hi };
        let params = range.params();
        let filter = self.range(range);
        if self.by_offset {
            let src = mapping::Source {
                from: &self.from,
                filter: &filter,
                params: &params,
            };
            if let Some(offset) = mapping::assign_by_offset(conn, &t.name, &self.keys[0], &src)? {
                let numbered = |w: &[(String, String)], from: &str| {
                    let mut w = w.to_vec();
                    w[0].1 = format!("{} + {offset}", self.keys[0]);
                    insert_sql(&t.name, &w, from)
                };
                let insert = numbered(&self.written, &self.from);
                let strict = self
                    .strict_written
                    .as_deref()
                    .map(|w| numbered(w, &self.strict_from));
                return self.write(
                    conn,
                    t,
                    (&insert, strict.as_deref()),
                    &filter,
                    &params,
                    Cache::Once,
                );
            }
        }
        self.apply(conn, t, &filter, &params)
    }

    /// Runs an insert over `filter`: the strict one first when references
    /// are translated; if a reference has no mapping (a parent not copied
    /// yet, or none at all), SQLite rolls that statement back, the chunk's
    /// missing references are reserved, and the plain insert writes it.
    fn write(
        &self,
        conn: &Connection,
        t: &TablePlan,
        (insert, strict): (&str, Option<&str>),
        filter: &str,
        params: &[Value],
        cache: Cache,
    ) -> Result<u64> {
        let run = |sql: &str| -> rusqlite::Result<usize> {
            let sql = format!("{sql} WHERE {filter}");
            let params = rusqlite::params_from_iter(params.iter());
            match cache {
                Cache::Prepared => conn.prepare_cached(&sql)?.execute(params),
                Cache::Once => conn.execute(&sql, params),
            }
        };
        let ctx = || format!("copying rows of {} into {}", self.from, t.name);
        if let Some(strict) = strict {
            match run(strict) {
                Ok(n) => return Ok(n as u64),
                Err(e) if mapping::is_unmapped(&e) => {
                    let src = mapping::Source {
                        from: &self.from,
                        filter,
                        params,
                    };
                    for tr in &self.translations {
                        mapping::reserve(conn, tr, &src)?;
                    }
                }
                Err(e) => return Err(e).ctx(ctx),
            }
        }
        Ok(run(insert).ctx(ctx)? as u64)
    }

    pub(crate) fn keys(&self) -> &[String] {
        &self.keys
    }
}

/// The written columns and their expressions over the old table `alias`,
/// the new rowid of a renumbered table first (looked up in its mapping).
fn written_over(
    t: &TablePlan,
    alias: &str,
    key: &OldKey,
    keys: &[String],
) -> Vec<(String, String)> {
    // The old rowid, qualified: the translated references' joins bring
    // mapping tables that have a rowid too.
    let mut written: Vec<(String, String)> = t
        .written()
        .into_iter()
        .map(|(c, e)| match e.as_str() {
            "rowid" => (c, format!("{alias}.rowid")),
            _ => (c, e),
        })
        .collect();
    if t.key_mode == KeyMode::Renumbered {
        let lookup = mapping::lookup(&t.name, keys, &key.collations());
        written.insert(0, ("rowid".to_string(), lookup));
    }
    written
}

/// The one-pass variant of `written`: translated references through LEFT
/// JOINs of their parents' mappings (returned, to append to the FROM),
/// stopping at one the mapping lacks; `None` without translated references.
fn strict_written(
    t: &TablePlan,
    written: &[(String, String)],
) -> (Option<Vec<(String, String)>>, String) {
    let mut joins = String::new();
    if !t.columns.iter().any(|c| c.translate.is_some()) {
        return (None, joins);
    }
    let mut w = written.to_vec();
    let mut n = 0;
    for (name, e) in w.iter_mut() {
        let c = t.columns.iter().find(|c| c.name == *name);
        let Some((tr, c)) = c.and_then(|c| Some((c.translate.as_ref()?, c))) else {
            continue;
        };
        let alias = format!("_mig_t{n}");
        n += 1;
        let (join, value) = mapping::strict_join(tr, &alias);
        joins.push_str(&join);
        *e = c.finish(value);
    }
    (Some(w), joins)
}

/// Whether a statement is worth keeping prepared (it runs every chunk) or
/// is built for one chunk (its offset is part of its text).
#[derive(Clone, Copy)]
enum Cache {
    Prepared,
    Once,
}

/// `INSERT OR REPLACE INTO main."t"(cols) SELECT exprs FROM <from>`.
fn insert_sql(table: &str, written: &[(String, String)], from: &str) -> String {
    let (cols, exprs) = column_lists(written);
    format!(
        "INSERT OR REPLACE INTO main.{}({cols}) SELECT {exprs} FROM {from}",
        q(table)
    )
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
