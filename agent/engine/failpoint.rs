//! Deterministic crash points for the fault-injection suite (`tests/faults`).
//!
//! Compiled in only with the cargo feature `failpoints`; without it [`hit`]
//! is an empty inline function. With it, when `MIG_FAILPOINT` names a point
//! (`NAME`, or `NAME@N` for its N-th hit), the process aborts right there:
//! no destructors, no rollback beyond what SQLite's journal does on the next
//! open — the same as SIGKILL or a power cut between two statements.
//!
//! `MIG_FAILPOINT_GATE=NAME:PATH` holds the process at NAME's first hit
//! instead: it creates PATH and waits until the test removes it, so a test
//! can act at a known moment (write to the old database between the copy
//! and the catch-up) and then let the process go on, or kill it later.

/// Every point the engine calls, in runbook order; the fault suite kills
/// `mig` at each one.
pub const POINTS: &[&str] = &[
    "migrate.after-create",
    "record.mid-install",
    "record.after-batch",
    "record.after-install",
    "copy.after-chunk",
    "copy.between-tables",
    "index.mid-build",
    "index.after-build",
    "migrate.after-copy",
    "migrate.precheck-refused",
    "replay.mid-batch",
    "replay.after-batch",
    "verify.before-certify",
    "verify.after-certify",
    "drain.before-freeze",
    "drain.after-freeze",
    "drain.before-finish",
    "drain.after-finish",
    "cutover.before-commit",
    "cutover.after-commit",
    "cutover.after-mapping-batch",
    "cleanup.after-batch",
    "remove.before-commit",
    "remove.after-commit",
    "reset.before-delete-new",
    "reset.mid-delete",
    "window.seed-after-chunk",
    "window.before-seed-delta",
    "standby.before-commit",
    "revert.mid-batch",
    "revert.after-batch",
    "revert.before-freeze",
    "revert.after-freeze",
    "revert.before-flip",
    "revert.after-flip",
    "revert.mid-mark",
    "finalize.after-close",
];

/// Test-only stand-in for a full volume under the new database: with the
/// `failpoints` feature, `MIG_NEW_DB_MAX_PAGES=N` caps every connection that
/// writes the new database at N pages (`PRAGMA max_page_count`), so writes
/// beyond it fail with SQLITE_FULL exactly as on a full disk. Always `None`
/// in a shipped build.
pub fn new_db_max_pages() -> Option<u64> {
    #[cfg(feature = "failpoints")]
    {
        std::env::var("MIG_NEW_DB_MAX_PAGES").ok()?.parse().ok()
    }
    #[cfg(not(feature = "failpoints"))]
    {
        None
    }
}

/// Test-only stand-in for an agent that never polls: with the `failpoints`
/// feature, `MIG_SUPERVISE_INTERVAL_MS=N` sets how often `mig-agent` reads
/// each database's phase (and catches up), so a test can tell a health
/// status pushed at cutover from one the next poll would set. Always
/// `None` in a shipped build.
pub fn supervise_interval() -> Option<std::time::Duration> {
    #[cfg(feature = "failpoints")]
    {
        let ms = std::env::var("MIG_SUPERVISE_INTERVAL_MS")
            .ok()?
            .parse()
            .ok()?;
        Some(std::time::Duration::from_millis(ms))
    }
    #[cfg(not(feature = "failpoints"))]
    {
        None
    }
}

/// Test-only: with the `failpoints` feature, `MIG_BULK_LOAD_ABOVE_ROWS=N`
/// replaces the size above which a copy runs as a bulk load (so the crash
/// suite can reach the bulk load's rollback journal with a small database),
/// and the table size from which an index build gets a sorter helper
/// (`sorter.rs`). Always `None` in a shipped build.
pub fn bulk_load_above_rows() -> Option<u64> {
    #[cfg(feature = "failpoints")]
    {
        std::env::var("MIG_BULK_LOAD_ABOVE_ROWS").ok()?.parse().ok()
    }
    #[cfg(not(feature = "failpoints"))]
    {
        None
    }
}

/// Test-only: with the `failpoints` feature,
/// `MIG_PRECHECK_BESIDE_ABOVE_ROWS=N` replaces the size above which
/// `migrate`'s constraint pre-check runs beside the copy (so the tests
/// reach it with a small database). Always `None` in a shipped build.
pub fn precheck_beside_above_rows() -> Option<u64> {
    #[cfg(feature = "failpoints")]
    {
        std::env::var("MIG_PRECHECK_BESIDE_ABOVE_ROWS")
            .ok()?
            .parse()
            .ok()
    }
    #[cfg(not(feature = "failpoints"))]
    {
        None
    }
}

/// Test-only: with the `failpoints` feature, `MIG_PACED_STEPS=N` caps the
/// statements of each paced schema transaction (`paced.rs`) at N, so the
/// crash suite can kill a run between two of its transactions on a small
/// database. Always `None` in a shipped build.
pub fn paced_steps() -> Option<usize> {
    #[cfg(feature = "failpoints")]
    {
        std::env::var("MIG_PACED_STEPS").ok()?.parse().ok()
    }
    #[cfg(not(feature = "failpoints"))]
    {
        None
    }
}

/// Test-only: with the `failpoints` feature, `MIG_SEED_CHUNK_ROWS=N` caps
/// each transaction that seeds the revert maps ahead of the freeze
/// (`revert/seed.rs`) at N rows, so the crash suite can kill it between
/// two of them on a small database. Always `None` in a shipped build.
pub fn seed_chunk_rows() -> Option<i64> {
    #[cfg(feature = "failpoints")]
    {
        std::env::var("MIG_SEED_CHUNK_ROWS").ok()?.parse().ok()
    }
    #[cfg(not(feature = "failpoints"))]
    {
        None
    }
}

/// Test-only: with the `failpoints` feature, `MIG_MAP_REMOVE_ROWS=N`
/// deletes N id mapping rows per statement when the mapping is removed
/// after the cutover (`mapping/retire.rs`), so the crash suite can kill it
/// between two transactions on a small database. Always `None` in a
/// shipped build.
pub fn map_remove_rows() -> Option<u64> {
    #[cfg(feature = "failpoints")]
    {
        std::env::var("MIG_MAP_REMOVE_ROWS").ok()?.parse().ok()
    }
    #[cfg(not(feature = "failpoints"))]
    {
        None
    }
}

/// A crash point: aborts the process if `MIG_FAILPOINT` selects `name`.
#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn hit(_name: &'static str) {}

/// A crash point: aborts the process if `MIG_FAILPOINT` selects `name`.
#[cfg(feature = "failpoints")]
pub fn hit(name: &'static str) {
    armed::hit(name)
}

#[cfg(feature = "failpoints")]
mod armed {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;

    /// The selected point and which of its hits aborts (1-based).
    fn selected() -> Option<&'static (String, u64)> {
        static SELECTED: OnceLock<Option<(String, u64)>> = OnceLock::new();
        SELECTED
            .get_or_init(|| {
                let v = std::env::var("MIG_FAILPOINT").ok()?;
                match v.split_once('@') {
                    Some((name, n)) => Some((name.to_string(), n.parse().unwrap_or(1))),
                    None => Some((v, 1)),
                }
            })
            .as_ref()
    }

    pub fn hit(name: &'static str) {
        assert!(
            super::POINTS.contains(&name),
            "failpoint {name} is not listed in failpoint::POINTS"
        );
        super::gate::hold(name);
        static HITS: AtomicU64 = AtomicU64::new(0);
        let Some((selected, nth)) = selected() else {
            return;
        };
        if selected != name {
            return;
        }
        if HITS.fetch_add(1, Ordering::SeqCst) + 1 == *nth {
            eprintln!("failpoint {name} hit; aborting");
            std::process::abort();
        }
    }
}

/// `MIG_FAILPOINT_GATE`: a point the process waits at once, for the test.
#[cfg(feature = "failpoints")]
mod gate {
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::OnceLock;
    use std::time::Duration;

    /// The gated point and the file that holds it shut.
    fn selected() -> Option<&'static (String, PathBuf)> {
        static SELECTED: OnceLock<Option<(String, PathBuf)>> = OnceLock::new();
        SELECTED
            .get_or_init(|| {
                let v = std::env::var("MIG_FAILPOINT_GATE").ok()?;
                let (name, path) = v.split_once(':')?;
                Some((name.to_string(), PathBuf::from(path)))
            })
            .as_ref()
    }

    /// At the gated point's first hit: creates the file, then waits until
    /// it is gone (polling the test's condition, not a guessed delay).
    pub fn hold(name: &'static str) {
        static PASSED: AtomicBool = AtomicBool::new(false);
        let Some((gated, path)) = selected() else {
            return;
        };
        if gated != name || PASSED.swap(true, Ordering::SeqCst) {
            return;
        }
        if let Err(e) = std::fs::write(path, name) {
            eprintln!("failpoint gate {}: {e}", path.display());
            std::process::abort();
        }
        eprintln!(
            "failpoint {name} gate: waiting for {} to go",
            path.display()
        );
        while path.exists() {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}
