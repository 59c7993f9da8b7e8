//! Index builds (issue 20): the bulk load's sorter as mig sets it (16 MiB
//! cache, which is also the sorter's in-memory run size; no helper threads)
//! against three candidates, alternated on one migrated new database —
//! SQLite's multi-threaded sorter (`PRAGMA threads`, one helper per core
//! beyond the first), small 2 MiB runs, and the two combined at 8 MiB
//! (cache and runs: the helper sorts one run while the next fills, in no
//! more memory than mig's 16 MiB cache + 16 MiB run). Wall and process CPU time
//! (helper threads included) per round of the bench schema's indexes.

// The bench plays the engine here: it sets the pragmas itself.
use std::path::Path;
use std::time::Instant;

use rusqlite::Connection;

use super::data;

/// The bulk load's cache (`open::begin_bulk_load`), in KiB (SQLite's unit).
const BULK_CACHE_KIB: i64 = -16384;
/// The small-runs candidate's cache, KiB.
const SMALL_RUNS_KIB: i64 = -2048;
/// The threads-with-smaller-runs candidate's cache, KiB.
const THREADED_RUNS_KIB: i64 = -8192;

/// Seconds of one round of builds with these pragmas: (wall, CPU).
fn round(c: &Connection, cache_kib: i64, threads: i64) -> (f64, f64) {
    c.pragma_update(None, "threads", threads).expect("threads");
    c.pragma_update(None, "cache_size", cache_kib)
        .expect("cache");
    let cpu = cpu_time::ProcessTime::now();
    let t = Instant::now();
    for stmt in data::NEW_INDEXES.lines().filter(|l| !l.trim().is_empty()) {
        let name = stmt.split_whitespace().nth(2).expect("index name");
        c.execute_batch(&format!("DROP INDEX IF EXISTS {name}; {stmt}"))
            .expect("index build");
    }
    (t.elapsed().as_secs_f64(), cpu.elapsed().as_secs_f64())
}

/// Ratios to mig's settings, one each per call: (threads wall, threads
/// CPU, small runs wall, small runs CPU, threads with 8 MiB runs wall,
/// CPU).
pub fn compare(new: &Path) -> [f64; 6] {
    let c = Connection::open(new).expect("open new db");
    c.execute_batch("PRAGMA journal_mode = TRUNCATE; PRAGMA synchronous = FULL;")
        .expect("bulk-load pragmas");
    let helpers = std::thread::available_parallelism().map_or(1, |n| n.get()) as i64 - 1;
    // A round not counted first: the first build after migrate pays for
    // what mig's own builds left (the freed pages of the dropped indexes).
    round(&c, BULK_CACHE_KIB, 0);
    let mig = round(&c, BULK_CACHE_KIB, 0);
    let threads = round(&c, BULK_CACHE_KIB, helpers);
    let small = round(&c, SMALL_RUNS_KIB, 0);
    let both = round(&c, THREADED_RUNS_KIB, helpers);
    eprintln!(
        "  index builds: mig {:.3}s ({:.3}s CPU), {helpers} sorter threads {:.3}s ({:.3}s CPU), 2 MiB runs {:.3}s ({:.3}s CPU), threads + 8 MiB runs {:.3}s ({:.3}s CPU)",
        mig.0, mig.1, threads.0, threads.1, small.0, small.1, both.0, both.1
    );
    [
        threads.0 / mig.0,
        threads.1 / mig.1,
        small.0 / mig.0,
        small.1 / mig.1,
        both.0 / mig.0,
        both.1 / mig.1,
    ]
}
