//! The sorter of one deferred index build (issue 20): SQLite's
//! multi-threaded sorter for a table large enough that its sort spills.
//!
//! `CREATE INDEX` sorts the table's keys in memory runs the size of the
//! page cache (16 MiB in the bulk load, `open::begin_bulk_load`), writes
//! each full run to a temporary file and merges them. With `PRAGMA
//! threads` a helper sorts and writes one run while the build fills the
//! next, and merges beside it. Where the keys fit one run (the bench's
//! tables up to 500k rows) there is nothing to overlap: no helper then.
//! Measured at 10M rows (2 vCPU, quiet): one helper with 8 MiB runs and
//! cache built the bench's three indexes in 0.886 of the single-threaded
//! builds' time, one helper with 16 MiB runs in 0.906; at 1M (no spill)
//! the helper's 8 MiB runs cost 1.36.
//!
//! Memory: the build's cache and runs are 8 MiB each while it has a
//! helper — the cache, the run being filled and the one being sorted,
//! 24 MiB, against 32 MiB (a 16 MiB cache and run) without one. One
//! helper at most, whatever the cores: each more would hold one more run.
//! The helper writes only SQLite's own temporary files; the database file
//! is written by the build's thread as before.

use rusqlite::Connection;

use super::error::{Result, SqlContext};

/// From this many rows in its table an index build gets a helper: below,
/// the keys fit one 16 MiB run (the bench's 500k-row tables do).
pub const HELPER_FROM_ROWS: u64 = 1_000_000;

/// The cache, and so the run size, of a build with a helper, in KiB
/// (SQLite's negative unit).
const HELPED_CACHE_KIB: i64 = -8192;

/// A build's sorter settings, put back as they were on [`Helped::end`].
pub struct Helped {
    cache_kib: i64,
    threads: i64,
}

/// Gives the next index build on `conn` one sorter helper and 8 MiB runs
/// when its table has `rows` rows or more and a second core is idle;
/// `None` leaves the sorter as it is.
pub fn for_build(conn: &Connection, rows: u64) -> Result<Option<Helped>> {
    let cores = super::cores::count();
    // The crash suite's small databases reach the helper through the
    // bulk load's test threshold (`failpoint::bulk_load_above_rows`),
    // whatever the load.
    let forced = super::failpoint::bulk_load_above_rows();
    if !wants_helper(rows, cores, forced, load_average()) {
        return Ok(None);
    }
    helped(conn).map(Some)
}

/// Whether a build over `rows` rows gets a helper: from
/// [`HELPER_FROM_ROWS`] (or the test threshold `forced`), with a second
/// core, idle by the load average unless forced.
fn wants_helper(rows: u64, cores: usize, forced: Option<u64>, load: Option<f64>) -> bool {
    match forced {
        Some(from) => rows >= from && cores >= 2,
        None => rows >= HELPER_FROM_ROWS && cores >= 2 && core_idle(cores, load),
    }
}

/// Sets one helper and 8 MiB runs, keeping what to put back.
fn helped(conn: &Connection) -> Result<Helped> {
    let cache_kib: i64 = conn
        .pragma_query_value(Some("main"), "cache_size", |r| r.get(0))
        .ctx(|| "reading the cache size".into())?;
    let threads: i64 = conn
        .pragma_query_value(None, "threads", |r| r.get(0))
        .ctx(|| "reading the sorter threads".into())?;
    set(conn, HELPED_CACHE_KIB, 1)?;
    Ok(Helped { cache_kib, threads })
}

impl Helped {
    /// The cache and threads as they were before the build.
    pub fn end(self, conn: &Connection) -> Result<()> {
        set(conn, self.cache_kib, self.threads)
    }
}

/// Whether a core is free for the helper beside this build (itself one
/// runnable task): a helper on a busy machine only adds CPU (10M rows at
/// load 14-16 on 2 vCPU: the index builds took 39.8-50.7 s with one
/// against 35.8-39.5 s without, the process 18.4-19.3 s of CPU against
/// 17.5-17.6 s). `None` (no load average to read): no helper.
fn core_idle(cores: usize, load: Option<f64>) -> bool {
    load.is_some_and(|l| l < cores as f64 - 0.5)
}

/// The 1-minute load average (Linux).
fn load_average() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn set(conn: &Connection, cache_kib: i64, threads: i64) -> Result<()> {
    conn.pragma_update(Some("main"), "cache_size", cache_kib)
        .ctx(|| "setting the cache size".into())?;
    conn.pragma_update(None, "threads", threads)
        .ctx(|| "setting the sorter threads".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_large_table_with_an_idle_core_gets_a_helper() {
        let idle = Some(1.2);
        assert!(wants_helper(HELPER_FROM_ROWS, 2, None, idle));
        assert!(!wants_helper(HELPER_FROM_ROWS - 1, 2, None, idle));
        assert!(!wants_helper(HELPER_FROM_ROWS, 1, None, Some(0.0)));
        assert!(!wants_helper(HELPER_FROM_ROWS, 2, None, Some(1.6)));
        assert!(!wants_helper(HELPER_FROM_ROWS, 2, None, None));
        assert!(wants_helper(HELPER_FROM_ROWS, 8, None, Some(6.0)));
        // The test threshold ignores the load.
        assert!(wants_helper(0, 2, Some(0), Some(9.0)));
    }

    #[test]
    fn a_helped_build_puts_the_cache_and_threads_back() {
        let conn = Connection::open_in_memory().expect("open");
        conn.pragma_update(Some("main"), "cache_size", -16384)
            .expect("cache");
        let read = |c: &Connection| -> (i64, i64) {
            let cache = c
                .pragma_query_value(Some("main"), "cache_size", |r| r.get(0))
                .expect("cache");
            let threads = c
                .pragma_query_value(None, "threads", |r| r.get(0))
                .expect("threads");
            (cache, threads)
        };
        let h = helped(&conn).expect("helped");
        assert_eq!(read(&conn), (HELPED_CACHE_KIB, 1));
        h.end(&conn).expect("end");
        assert_eq!(read(&conn), (-16384, 0));
    }
}
