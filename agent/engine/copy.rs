//! The bulk copy: every old row into the new database, table by table in
//! plan order, in chunks of consecutive keys.
//!
//! Each chunk is one `INSERT … SELECT` run by SQLite itself, in one write
//! transaction on the new database that also records the chunk's cursor in
//! `_migration_progress`; the old database is read through a read-only attach
//! whose snapshot lasts only that transaction. A killed copy resumes at the
//! last committed cursor. Chunk size adapts to a target chunk duration.

use std::time::{Duration, Instant};

use rusqlite::types::Value;
use rusqlite::{Connection, TransactionBehavior};

use super::catalog::{lit, q};
use super::error::{Result, SqlContext};
use super::meta::{self, Item};
use super::plan::{KeyMode, OldKey, Plan, TablePlan};
use super::{Ctx, Event};

/// How long one chunk should take: long enough that commits are cheap,
/// short enough that the old database's WAL can checkpoint past us often.
const TARGET_CHUNK: Duration = Duration::from_millis(200);
const MIN_CHUNK: u64 = 100;
const MAX_CHUNK: u64 = 1_000_000;
const FIRST_CHUNK: u64 = 2_000;

#[derive(Debug, Clone, Default)]
pub struct TableStats {
    pub table: String,
    pub rows: u64,
    pub seconds: f64,
}

/// Copies every table of `plan` that is not done yet.
pub fn copy_all(conn: &mut Connection, plan: &Plan, ctx: &mut Ctx<'_>) -> Result<Vec<TableStats>> {
    let tables: Vec<&TablePlan> = plan.tables.iter().filter(|t| t.source.is_some()).collect();
    let rows_total: u64 = tables.iter().map(|t| t.rows).sum();
    let mut rows_before: u64 = 0;
    let mut stats = Vec::new();
    for (i, t) in tables.iter().enumerate() {
        let started = Instant::now();
        let copied = copy_table(conn, plan, t, ctx, |done, rate| Event::Copy {
            table: t.name.clone(),
            table_rows_done: done,
            table_rows_total: t.rows.max(done),
            rows_done: rows_before + done,
            rows_total: rows_total.max(rows_before + done),
            tables_done: i as u32,
            tables_total: tables.len() as u32,
            rows_per_sec: rate,
        })?;
        rows_before += copied;
        stats.push(TableStats {
            table: t.name.clone(),
            rows: copied,
            seconds: started.elapsed().as_secs_f64(),
        });
    }
    Ok(stats)
}

fn item(t: &TablePlan) -> String {
    format!("copy:{}", t.name)
}

/// Copies one table; returns its row count in the new database's progress.
fn copy_table(
    conn: &mut Connection,
    plan: &Plan,
    t: &TablePlan,
    ctx: &mut Ctx<'_>,
    progress: impl Fn(u64, f64) -> Event,
) -> Result<u64> {
    let (Some(src), Some(key)) = (&t.source, &t.old_key) else {
        return Ok(0);
    };
    let width = plan.key_width;
    let mut chunk = FIRST_CHUNK;
    let started = Instant::now();
    let mut copied_here: u64 = 0;
    let sql = ChunkSql::new(t, src, key);
    loop {
        ctx.control.check()?;
        let began = Instant::now();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(|| format!("starting a copy chunk of {}", t.name))?;
        let state = meta::get(&tx, &item(t), width)?.unwrap_or_default();
        if state.done {
            return Ok(state.n);
        }
        let lo: Option<Vec<Value>> = if state.cursor.iter().all(|v| *v == Value::Null) {
            None
        } else {
            Some(state.cursor[..key.width()].to_vec())
        };
        let hi = sql.chunk_end(&tx, lo.as_deref(), chunk)?;
        let mut params: Vec<Value> = Vec::new();
        params.extend(lo.iter().flatten().cloned());
        let lo_n = params.len();
        params.extend(hi.iter().flatten().cloned());
        let filter = sql.range(lo.is_some(), hi.is_some(), lo_n);
        let n = sql.apply(&tx, t, &filter, &params, false)?;
        let mut cursor: Vec<Value> = hi.clone().unwrap_or_else(|| lo.clone().unwrap_or_default());
        cursor.resize(width, Value::Null);
        meta::put(
            &tx,
            &item(t),
            &Item {
                done: hi.is_none(),
                n: state.n + n,
                cursor,
            },
        )?;
        tx.commit()
            .ctx(|| format!("committing a copy chunk of {}", t.name))?;
        copied_here += n;
        let rate = copied_here as f64 / started.elapsed().as_secs_f64().max(1e-6);
        (ctx.sink)(progress(state.n + n, rate));
        if hi.is_none() {
            return Ok(state.n + n);
        }
        chunk = next_chunk(chunk, began.elapsed());
    }
}

fn next_chunk(chunk: u64, took: Duration) -> u64 {
    let ratio = TARGET_CHUNK.as_secs_f64() / took.as_secs_f64().max(1e-4);
    let scaled = (chunk as f64 * ratio.clamp(0.5, 4.0)) as u64;
    scaled.clamp(MIN_CHUNK, MAX_CHUNK)
}

/// The SQL of one table's chunks.
pub(crate) struct ChunkSql {
    /// `INSERT INTO main.t(...) SELECT ... FROM old.src` (WHERE appended).
    insert: String,
    /// Key expressions on the old table, in index order.
    keys: Vec<String>,
    /// (descending, collation) per key column.
    order: Vec<(bool, String)>,
    from: String,
    /// (renumbered parent, expression) for foreign keys to translate.
    translations: Vec<(String, String)>,
    table: String,
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
        let mut written = t.written();
        if t.key_mode == KeyMode::Renumbered {
            let lookup = format!(
                "(SELECT m._mig_new FROM main._id_mapping m WHERE m._mig_tbl = {} AND {})",
                lit(&t.name),
                mapping_match("m", &keys)
            );
            written.insert(0, ("rowid".to_string(), lookup));
        }
        let cols: Vec<String> = written
            .iter()
            .map(|(c, _)| if c == "rowid" { c.clone() } else { q(c) })
            .collect();
        let exprs: Vec<String> = written.iter().map(|(_, e)| e.clone()).collect();
        let insert = format!(
            "INSERT INTO main.{}({}) SELECT {} FROM {from}",
            q(&t.name),
            cols.join(", "),
            exprs.join(", ")
        );
        let translations = t
            .columns
            .iter()
            .filter_map(|c| Some((c.translate.clone()?, c.expr.clone()?)))
            .collect();
        ChunkSql {
            insert,
            keys,
            order,
            from,
            translations,
            table: t.name.clone(),
        }
    }

    /// Writes the old rows matching `filter` (over the old table) into the
    /// new table: mapping and reserved references first, then the rows.
    /// `replace`: overwrite rows already there (replay) instead of failing.
    pub(crate) fn apply(
        &self,
        conn: &Connection,
        t: &TablePlan,
        filter: &str,
        params: &[Value],
        replace: bool,
    ) -> Result<u64> {
        if !self.translations.is_empty() {
            reserve_references(conn, t, self, filter, params)?;
        }
        if t.key_mode == KeyMode::Renumbered {
            assign_ids(conn, t, self, filter, params)?;
        }
        let insert = if replace {
            self.insert
                .replacen("INSERT INTO", "INSERT OR REPLACE INTO", 1)
        } else {
            self.insert.clone()
        };
        let n = conn
            .prepare_cached(&format!("{insert} WHERE {filter}"))
            .and_then(|mut s| s.execute(rusqlite::params_from_iter(params.iter())))
            .ctx(|| format!("copying rows of {} into {}", self.from, t.name))?;
        Ok(n as u64)
    }

    pub(crate) fn keys(&self) -> &[String] {
        &self.keys
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
    fn range(&self, has_lo: bool, has_hi: bool, lo_n: usize) -> String {
        let mut parts = Vec::new();
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

    /// The key of the `chunk`-th row after `lo`, or `None` when fewer rows remain.
    fn chunk_end(
        &self,
        conn: &Connection,
        lo: Option<&[Value]>,
        chunk: u64,
    ) -> Result<Option<Vec<Value>>> {
        let filter = if lo.is_some() {
            self.compare(true, 0)
        } else {
            "1".into()
        };
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

/// `m._mig_k0 = key0 AND m._mig_k1 = key1 ...`
pub(crate) fn mapping_match(m: &str, keys: &[String]) -> String {
    keys.iter()
        .enumerate()
        .map(|(i, k)| format!("{m}._mig_k{i} = {k}"))
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
        mapping_match("m", &sql.keys)
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
    for (parent, expr) in &sql.translations {
        let missing = format!(
            "SELECT DISTINCT v FROM (SELECT ({expr}) AS v FROM {} WHERE {filter}) WHERE v IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM main._id_mapping m WHERE m._mig_tbl = {} AND m._mig_k0 = v)",
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

/// Builds the indexes the schema declares with CREATE INDEX, after the bulk
/// load (one transaction each; a killed build resumes with the missing ones).
pub fn build_indexes(
    conn: &Connection,
    schema: &super::schema::SchemaFile,
    ctx: &mut Ctx<'_>,
) -> Result<u32> {
    let mut built = 0;
    for s in schema
        .statements
        .iter()
        .filter(|s| s.kind == super::schema::StmtKind::Index)
    {
        ctx.control.check()?;
        let exists: i64 = conn
            .query_row("SELECT count(*) FROM main.sqlite_schema WHERE type = 'index' AND name = ?1 COLLATE NOCASE", [&s.name], |r| r.get(0))
            .ctx(|| format!("looking for index {}", s.name))?;
        if exists > 0 {
            continue;
        }
        (ctx.sink)(Event::Step {
            step: "indexes",
            message: format!("building index {}", s.name),
        });
        conn.execute_batch(&s.sql).map_err(|e| match e.sqlite_error_code() {
            // Duplicates or bad values in the copied data: the operator must act.
            Some(rusqlite::ErrorCode::ConstraintViolation) => super::error::EngineError::Precondition(format!(
                "index {} cannot be built on the copied data: {e}; fix the data or the schema, then `mig reset` and migrate again",
                s.name
            )),
            // Disk full, busy and the rest keep their own meaning.
            _ => super::error::classify(format!("building index {}", s.name), e),
        })?;
        built += 1;
    }
    Ok(built)
}
