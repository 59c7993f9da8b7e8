//! Estimates: rows and bytes per table, a copy time predicted from a short
//! measured sample, and the free space the new database needs on its volume.
//!
//! Bytes come from SQLite's `dbstat` table (each table's b-tree and its
//! indexes) for databases up to [`DBSTAT_MAX_BYTES`], else (or where dbstat
//! is missing) from the page count shared out by row count. The sample is the table's real copy statement run over its first
//! [`SAMPLE_ROWS`] old rows into the in-memory scratch copy of the new
//! schema, inside a savepoint that is rolled back: a lower bound, since the
//! real copy also writes a file (WAL) and keeps the progress cursor.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use rusqlite::Connection;

use super::super::catalog::q;
use super::super::error::{Result, SqlContext};
use super::{KeyMode, Plan};

/// dbstat reads every page: above this size the page count is shared out
/// by row count instead, so `plan` stays quick on big databases.
pub const DBSTAT_MAX_BYTES: u64 = 1 << 30;
/// Old rows copied per table to time the copy.
pub const SAMPLE_ROWS: u64 = 2000;
/// The new database needs room for its rows, indexes and WAL: the old
/// tables' size times this, plus the log of writes during the copy.
pub const DISK_FACTOR: f64 = 1.5;

#[derive(Debug, Clone, Default)]
pub struct TableEstimate {
    pub table: String,
    pub rows: u64,
    pub bytes: u64,
    pub copy_seconds: f64,
    pub sampled_rows: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Estimates {
    pub tables: Vec<TableEstimate>,
    /// `dbstat` or `pages`.
    pub bytes_method: &'static str,
    pub old_bytes: u64,
    pub copy_seconds: f64,
    pub disk_needed_bytes: u64,
    /// `None` when the new database's folder cannot be inspected.
    pub disk_available_bytes: Option<u64>,
}

/// Estimates for `plan`; `conn` holds the target schema as `main` and old as
/// `old`; `new` is where the new database will be created.
pub fn estimate(conn: &Connection, plan: &Plan, new: &Path) -> Result<Estimates> {
    let file_bytes = old_file_bytes(conn)?;
    let measured = if file_bytes <= DBSTAT_MAX_BYTES {
        dbstat_sizes(conn).ok()
    } else {
        None
    };
    let (sizes, method) = match measured {
        Some(s) => (s, "dbstat"),
        None => (page_sizes(file_bytes, plan), "pages"),
    };
    let mut tables = Vec::new();
    for t in &plan.tables {
        let Some(src) = &t.source else { continue };
        let bytes = sizes.get(&src.to_ascii_lowercase()).copied().unwrap_or(0);
        let (sampled, secs) = sample(conn, t, src)?;
        let copy_seconds = if sampled > 0 {
            secs * t.rows as f64 / sampled as f64
        } else {
            0.0
        };
        tables.push(TableEstimate {
            table: t.name.clone(),
            rows: t.rows,
            bytes,
            copy_seconds,
            sampled_rows: sampled,
        });
    }
    // An old table split into several new ones is counted once as old data,
    // but once per new table in what the new database needs.
    let copied_bytes: u64 = tables.iter().map(|t| t.bytes).sum();
    let mut sources: Vec<String> = plan
        .tables
        .iter()
        .filter_map(|t| t.source.as_ref().map(|s| s.to_ascii_lowercase()))
        .collect();
    sources.sort();
    sources.dedup();
    let old_bytes: u64 = sources.iter().filter_map(|s| sizes.get(s)).sum();
    let copy_seconds = tables.iter().map(|t| t.copy_seconds).sum();
    Ok(Estimates {
        tables,
        bytes_method: method,
        old_bytes,
        copy_seconds,
        disk_needed_bytes: (copied_bytes as f64 * DISK_FACTOR) as u64,
        disk_available_bytes: available_bytes(new),
    })
}

/// Free bytes for an unprivileged writer on the volume of `path`'s folder
/// (or of its nearest existing ancestor: migrate creates a missing one).
pub fn available_bytes(path: &Path) -> Option<u64> {
    let dir = path
        .ancestors()
        .skip(1)
        .find(|p| p.as_os_str().is_empty() || p.is_dir())
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let st = rustix::fs::statvfs(dir).ok()?;
    Some(st.f_bavail.saturating_mul(st.f_frsize))
}

/// Bytes per old table (its b-tree and its indexes), lowercased names.
fn dbstat_sizes(conn: &Connection) -> rusqlite::Result<HashMap<String, u64>> {
    let mut stmt = conn.prepare(
        "SELECT lower(s.tbl_name), sum(d.pgsize) FROM dbstat('old', 1) d \
         JOIN old.sqlite_schema s ON s.name = d.name GROUP BY lower(s.tbl_name)",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    rows.map(|r| r.map(|(n, b)| (n, b.max(0) as u64))).collect()
}

fn old_file_bytes(conn: &Connection) -> Result<u64> {
    let bytes: i64 = conn
        .query_row(
            "SELECT (SELECT page_count FROM pragma_page_count('old')) * (SELECT page_size FROM pragma_page_size('old'))",
            [],
            |r| r.get(0),
        )
        .ctx(|| "reading the old database's size".into())?;
    Ok(bytes.max(0) as u64)
}

/// Without dbstat: the old file's pages shared out by row count.
fn page_sizes(bytes: u64, plan: &Plan) -> HashMap<String, u64> {
    let total = plan.total_rows().max(1);
    plan.tables
        .iter()
        .filter_map(|t| {
            let src = t.source.as_ref()?;
            let share = bytes as f64 * t.rows as f64 / total as f64;
            Some((src.to_ascii_lowercase(), share as u64))
        })
        .collect()
}

/// Copies up to [`SAMPLE_ROWS`] rows into the scratch table and rolls back:
/// (rows copied, seconds). A sample that fails (a constraint) times nothing.
fn sample(conn: &Connection, t: &super::TablePlan, src: &str) -> Result<(u64, f64)> {
    if t.rows == 0 || (t.key_mode == KeyMode::Renumbered && t.without_rowid) {
        return Ok((0, 0.0));
    }
    // A translated key finds no parent in the empty scratch `_id_mapping`:
    // keep the lookup (its cost is part of the copy) and fall back to the old key.
    let written: Vec<(String, String)> = t
        .written()
        .into_iter()
        .map(|(c, e)| {
            match t
                .columns
                .iter()
                .find(|pc| pc.name == c && pc.translate.is_some())
            {
                Some(pc) => {
                    let raw = pc.expr.clone().unwrap_or_else(|| "NULL".into());
                    (c, format!("coalesce({e}, {raw})"))
                }
                None => (c, e),
            }
        })
        .collect();
    if written.is_empty() {
        return Ok((0, 0.0));
    }
    let (cols, exprs) = crate::engine::rows::column_lists(&written);
    let sql = format!(
        "INSERT OR REPLACE INTO main.{}({cols}) SELECT {exprs} FROM old.{} LIMIT {SAMPLE_ROWS}",
        q(&t.name),
        q(src)
    );
    // As in the copy: foreign keys are checked after drain, not per row.
    conn.pragma_update(None, "foreign_keys", false)
        .ctx(|| "disabling foreign keys for the copy sample".into())?;
    conn.execute_batch("SAVEPOINT mig_estimate")
        .ctx(|| "starting the copy sample".into())?;
    let started = Instant::now();
    let copied = conn.execute(&sql, []);
    let secs = started.elapsed().as_secs_f64();
    conn.execute_batch("ROLLBACK TO mig_estimate; RELEASE mig_estimate")
        .ctx(|| "rolling back the copy sample".into())?;
    Ok(match copied {
        Ok(n) => (n as u64, secs),
        Err(_) => (0, 0.0),
    })
}
