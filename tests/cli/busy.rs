//! A service holding the old database's write lock: `migrate` waits for the
//! bounded, configurable busy timeout, then fails with exit 6 saying what it
//! waited for, and leaves every file as it was; once the lock is released
//! the same command succeeds.

use std::time::{Duration, Instant};

use super::harness::Project;

/// Exit code of ABORTED (busy), documented in `client/exit.rs`.
const BUSY: i32 = 6;

#[test]
fn migrate_on_a_locked_old_database_waits_the_busy_timeout_then_changes_nothing() {
    let p = Project::shop(20);
    let lock = rusqlite::Connection::open(p.path("old.db")).expect("open old");
    lock.execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");
    let args = [
        "migrate",
        "--old",
        "old.db",
        "--new",
        "new.db",
        "--schema",
        "schema.sql",
        "--busy-timeout-ms",
        "400",
    ];
    let started = Instant::now();
    let run = p.mig(&args);
    let waited = started.elapsed();
    let line = run.fails(BUSY, "migrate failed: ");
    assert!(
        line.contains("locked") && line.contains("--busy-timeout-ms"),
        "says what it waited for and what to do: {line}"
    );
    assert!(
        waited >= Duration::from_millis(400),
        "gave up before the busy timeout: {waited:?}"
    );
    assert!(
        !p.files().iter().any(|f| f.starts_with("new.db")),
        "a refused migrate leaves no new file: {:?}",
        p.files()
    );
    let mig_tables: i64 = lock
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE substr(name, 1, 4) = '_mig'",
            [],
            |r| r.get(0),
        )
        .expect("catalog");
    assert_eq!(mig_tables, 0, "nothing installed on the old database");

    lock.execute_batch("ROLLBACK").expect("release");
    p.mig(&args).ok().line_starting("copied ");
}
