//! `mig reset`: before cutover it returns both files to the state before
//! `migrate` (the old database's catalog and rows exactly as they were,
//! the new file gone); `--dry-run` changes nothing; after cutover it refuses,
//! naming the way back that works (`release-old`, or `revert` in a window).

use super::harness::{Project, FAILED, USAGE};
use crate::support::revert_case;

const FILES: [&str; 6] = [
    "--old",
    "old.db",
    "--new",
    "new.db",
    "--schema",
    "schema.sql",
];

fn args<'a>(cmd: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![cmd];
    v.extend_from_slice(&FILES[..4]);
    v.extend_from_slice(extra);
    v
}

/// The old database's catalog and every row, as text.
fn dump(p: &Project) -> Vec<String> {
    let c = rusqlite::Connection::open(p.path("old.db")).expect("open old");
    let mut out: Vec<String> = c
        .prepare("SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema ORDER BY name")
        .expect("catalog")
        .query_map([], |r| r.get(0))
        .expect("catalog")
        .collect::<Result<_, _>>()
        .expect("catalog");
    for table in ["Customer", "Product", "Orders", "Tag"] {
        let mut stmt = c.prepare(&format!("SELECT * FROM {table}")).expect("rows");
        let width = stmt.column_count();
        let rows: Vec<String> = stmt
            .query_map([], |r| {
                (0..width)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(|v| v.join("|"))
            })
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("rows");
        out.extend(rows);
    }
    out
}

#[test]
fn reset_before_cutover_restores_old_exactly_and_removes_new() {
    let p = Project::shop(30);
    let before = dump(&p);
    let mut migrate = vec!["migrate"];
    migrate.extend_from_slice(&FILES);
    p.mig(&migrate).ok();
    assert!(p.path("new.db").exists());
    assert_ne!(dump(&p), before, "migrate installs its tables on old");

    let old_bytes = std::fs::read(p.path("old.db")).expect("old bytes");
    let dry = p.mig(&args("reset", &["--dry-run"])).ok();
    assert!(
        !dry.stdout.trim().is_empty(),
        "dry run says what it would do"
    );
    assert_eq!(
        std::fs::read(p.path("old.db")).expect("old"),
        old_bytes,
        "dry run changes nothing"
    );
    assert!(p.path("new.db").exists(), "dry run keeps the new file");

    p.mig(&args("reset", &["--yes"])).ok();
    assert_eq!(dump(&p), before, "old database is back to what it was");
    assert!(
        !p.path("new.db").exists(),
        "the unfinished new database is deleted"
    );

    // And the migration can start over.
    p.mig(&migrate).ok();
}

#[test]
fn reset_after_cutover_is_refused_and_changes_nothing() {
    let p = Project::shop(10);
    let mut migrate = vec!["migrate"];
    migrate.extend_from_slice(&FILES);
    p.mig(&migrate).ok();
    p.mig(&args("drain", &[])).ok();
    p.mig(&["cutover", "--new", "new.db"]).ok();
    let new_bytes = std::fs::read(p.path("new.db")).expect("new bytes");
    let run = p.mig(&args("reset", &[]));
    // Says it once: not `reset failed: reset refused: ...`.
    let line = run.fails(FAILED, "reset failed: ");
    assert!(
        line.starts_with(
            "reset failed: new.db is already cut over (ready) and may hold new writes"
        ),
        "{line}"
    );
    assert_eq!(std::fs::read(p.path("new.db")).expect("new"), new_bytes);
    // The way back it names works: the old database took no write before
    // (the advice was "route traffic to the old service"), and takes one
    // after `mig release-old`.
    assert!(
        line.ends_with("reset works only before cutover: the old database refuses writes (retired); `mig release-old` makes it writable again, without the writes the new database took since"),
        "{line}"
    );
    let write = "UPDATE Customer SET Email = 'back@example.com' WHERE CustomerId = 1";
    let refused = rusqlite::Connection::open(p.path("old.db"))
        .and_then(|c| c.execute_batch(write))
        .expect_err("the retired old database took a write");
    assert!(refused.to_string().contains("retired"), "{refused}");
    p.mig(&args("release-old", &["--yes"])).ok();
    p.sql("old.db", write);
}

/// With a revert window open, the way back reset names is `mig revert`.
#[test]
fn reset_in_a_revert_window_names_revert() {
    let p = Project::empty("shop");
    revert_case::create_old(&p.path("old.db"));
    p.write("schema.sql", revert_case::SCHEMA);
    let mut migrate = vec!["migrate", "--accept-data-loss"];
    migrate.extend_from_slice(&FILES);
    p.mig(&migrate).ok();
    p.mig(&args("drain", &["--cutover", "--revert-window", "1h"]))
        .ok();
    let run = p.mig(&args("reset", &[]));
    let line = run.fails(FAILED, "reset failed: new.db is already cut over (ready)");
    assert!(
        line.ends_with("`mig revert` goes back to the old database without losing a write (the revert window is open)"),
        "{line}"
    );
}

/// `mig reset` deletes the new database and lets writes through on the old
/// one again (after a drain, a service may already wait on the new file):
/// without `--yes` it shows what it would do and asks, and where nobody can
/// answer (stdin not a terminal) it refuses, changing nothing.
#[test]
fn reset_after_drain_asks_first_and_without_a_terminal_changes_nothing() {
    let p = Project::shop(20);
    let mut migrate = vec!["migrate"];
    migrate.extend_from_slice(&FILES);
    p.mig(&migrate).ok();
    p.mig(&args("drain", &[])).ok();
    let (old, new) = (dump(&p), std::fs::read(p.path("new.db")).expect("new"));
    let line = p
        .mig(&args("reset", &[]))
        .fails(USAGE, "reset failed: reset asks for confirmation")
        .to_string();
    assert!(line.contains("pass --yes"), "{line}");
    assert_eq!(dump(&p), old, "a refused reset changed the old database");
    assert_eq!(std::fs::read(p.path("new.db")).expect("new"), new);

    p.mig(&args("reset", &["--yes"])).ok();
    assert!(!p.path("new.db").exists());
    // Nothing left to undo: no question, nothing to confirm.
    p.mig(&args("reset", &[]))
        .ok()
        .has_line("nothing to reset: no migration tables and no new database found");
}
