//! Estimates: rows and bytes per table, a copy time predicted from a short
//! measured sample, and the free space the new database needs on its volume.
//!
//! Bytes come from SQLite's `dbstat` table (each table's b-tree and its
//! indexes) for databases up to [`DBSTAT_MAX_BYTES`], else (or where dbstat
//! is missing) from the page count shared out by row count. The copy time
//! comes from two timed samples of the real copy statements
//! (`sample.rs`): a lower bound, since the real copy also writes a file and
//! keeps the progress cursor, and extrapolated along the growth the samples
//! show when a table's rows get dearer as it is copied (then said in a
//! warning, since such an estimate can be far off).

use std::collections::HashMap;
use std::path::Path;

use rusqlite::Connection;

use super::sample::{self, GROWTH_LIMIT};
use super::Plan;
use crate::engine::error::{Result, SqlContext};

/// dbstat reads every page: above this size the page count is shared out
/// by row count instead, so `plan` stays quick on big databases.
pub const DBSTAT_MAX_BYTES: u64 = 1 << 30;
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
    /// Cost per row of the second sample over the first's: about 1 when
    /// the copy is linear.
    pub growth: f64,
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
    /// Set when the volume cannot hold even the old tables the copy reads
    /// (see [`short_of_space`]): `migrate` refuses with the same line.
    pub disk_blocker: Option<String>,
    /// Tables whose copy slows as it goes, one line each.
    pub warnings: Vec<String>,
}

/// Estimates for `plan`; `conn` holds the target schema as `main` and old as
/// `old`; `new` is where the new database will be created.
pub fn estimate(conn: &Connection, plan: &Plan, new: &Path) -> Result<Estimates> {
    let (sizes, method) = sizes(conn, plan, old_file_bytes(conn)?);
    let samples = sample::sample_all(conn, plan)?;
    let mut tables = Vec::new();
    let mut warnings = Vec::new();
    for t in &plan.tables {
        let Some(src) = &t.source else { continue };
        let bytes = sizes.get(&src.to_ascii_lowercase()).copied().unwrap_or(0);
        let s = samples.get(&t.name).copied().unwrap_or_default();
        let e = TableEstimate {
            table: t.name.clone(),
            rows: t.rows,
            bytes,
            copy_seconds: s.extrapolate(t.rows),
            sampled_rows: s.rows(),
            growth: s.growth(),
        };
        if e.growth > GROWTH_LIMIT && !s.whole {
            warnings.push(slowing(&e, s.rows));
        }
        tables.push(e);
    }
    let copied_bytes = copied(&sizes, plan);
    let mut sources: Vec<String> = plan
        .tables
        .iter()
        .filter_map(|t| t.source.as_ref().map(|s| s.to_ascii_lowercase()))
        .collect();
    sources.sort();
    sources.dedup();
    let old_bytes: u64 = sources.iter().filter_map(|s| sizes.get(s)).sum();
    let copy_seconds = tables.iter().map(|t| t.copy_seconds).sum();
    let available = available_bytes(new);
    Ok(Estimates {
        tables,
        bytes_method: method,
        old_bytes,
        copy_seconds,
        disk_needed_bytes: (copied_bytes as f64 * DISK_FACTOR) as u64,
        disk_available_bytes: available,
        disk_blocker: available.and_then(|a| too_little(new, copied_bytes, a)),
        warnings,
    })
}

/// The warning for a table whose sampled copy slows as it goes; `rows` are
/// the two samples' sizes.
fn slowing(e: &TableEstimate, rows: [u64; 2]) -> String {
    let estimate = if e.copy_seconds < 0.5 {
        "under a second".to_string()
    } else {
        format!("{:.0} s", e.copy_seconds)
    };
    format!(
        "the copy of {} slows as it goes: a row of the second sample ({} rows) cost {:.1}x one of the first ({} rows); its estimate ({estimate}) extrapolates that growth to {} rows and may be far off: report it, or time a rehearsal (`mig plan --rehearse`)",
        e.table, rows[1], e.growth, rows[0], e.rows
    )
}

/// Bytes per old table and how they were measured: `dbstat` up to
/// [`DBSTAT_MAX_BYTES`], else the file's pages shared out by rows.
fn sizes(conn: &Connection, plan: &Plan, file_bytes: u64) -> (HashMap<String, u64>, &'static str) {
    let measured = if file_bytes <= DBSTAT_MAX_BYTES {
        dbstat_sizes(conn).ok()
    } else {
        None
    };
    match measured {
        Some(s) => (s, "dbstat"),
        None => (page_sizes(file_bytes, plan), "pages"),
    }
}

/// What the copy writes at least: the old tables each new table reads. An
/// old table split into several new ones is counted once per new table.
fn copied(sizes: &HashMap<String, u64>, plan: &Plan) -> u64 {
    plan.tables
        .iter()
        .filter_map(|t| t.source.as_ref())
        .map(|src| sizes.get(&src.to_ascii_lowercase()).copied().unwrap_or(0))
        .sum()
}

/// `migrate`'s check before it creates anything: the refusal when the new
/// database's volume has less free space than the old tables the copy
/// reads (plan's shown need adds indexes and slack, [`DISK_FACTOR`]). Free
/// space beyond the whole old file needs no measuring, so the common case
/// reads no page.
pub fn short_of_space(conn: &Connection, plan: &Plan, new: &Path) -> Result<Option<String>> {
    let Some(available) = available_bytes(new) else {
        return Ok(None);
    };
    let file_bytes = old_file_bytes(conn)?;
    if available >= file_bytes {
        return Ok(None);
    }
    let (sizes, _) = sizes(conn, plan, file_bytes);
    Ok(too_little(new, copied(&sizes, plan), available))
}

fn too_little(new: &Path, copied: u64, available: u64) -> Option<String> {
    const MIB: f64 = 1024.0 * 1024.0;
    (available < copied).then(|| {
        format!(
            "the new database {} needs at least {:.1} MiB (the old tables it copies) and its volume has {:.1} MiB free: free space there, or choose a --new path on a volume with room",
            new.display(),
            copied as f64 / MIB,
            available as f64 / MIB
        )
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

#[cfg(test)]
mod tests {
    use super::*;

    fn slowing_table(copy_seconds: f64) -> TableEstimate {
        TableEstimate {
            table: "item".into(),
            rows: 45_000,
            bytes: 0,
            copy_seconds,
            sampled_rows: 3_000,
            growth: 2.4,
        }
    }

    /// A new user saw "its 0 s estimate … may be far off".
    #[test]
    fn an_estimate_under_half_a_second_reads_under_a_second_not_0_s() {
        let w = slowing(&slowing_table(0.2), [1_000, 2_000]);
        assert!(w.contains("its estimate (under a second)"), "{w}");
        assert!(!w.contains("0 s"), "{w}");
        let w = slowing(&slowing_table(12.4), [1_000, 2_000]);
        assert!(w.contains("its estimate (12 s)"), "{w}");
    }
}
