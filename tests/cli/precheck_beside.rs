//! `migrate`'s constraint pre-check run beside the copy (above
//! `BESIDE_ABOVE_ROWS` old rows): a blocking violation found while the copy
//! runs refuses with the line `plan` gives, and withdraws everything the
//! run wrote (the recording on the old database, the new file); a run
//! killed at that moment leaves a state `status` explains, and the next
//! `migrate` checks again and withdraws it (or `reset` removes it).

use rusqlite::Connection;

use super::harness::{mig_with_env, Project, FAILED, MIGRATE};

/// Above the shipped threshold (100,000 rows).
const ROWS: i64 = 150_000;

/// 150,000 items whose codes are unique but for the last two rows, which
/// repeat the first row's: the new schema makes `code` UNIQUE and adds a
/// CHECK every row passes.
fn duplicates_in_the_last_rows(rows: i64) -> Project {
    let old = format!(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE item (id INTEGER PRIMARY KEY, code TEXT NOT NULL, qty INTEGER NOT NULL);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
         INSERT INTO item SELECT i, 'c' || i, i % 50 FROM n;
         UPDATE item SET code = 'c1' WHERE id > {rows} - 2;"
    );
    let schema = "CREATE TABLE item (id INTEGER PRIMARY KEY, code TEXT NOT NULL, qty INTEGER NOT NULL CHECK (qty >= 0));
CREATE UNIQUE INDEX item_code ON item(code);";
    Project::custom("items", &old, schema)
}

fn line(rows: i64) -> String {
    format!(
        "3 rows in item would violate UNIQUE(code) of item (old keys: 1, {}, {rows})",
        rows - 1
    )
}

/// The old database's rows and catalog, as text (the old file's bytes
/// change: the recording was installed, then removed).
fn data(p: &Project) -> (Vec<String>, Vec<String>) {
    let c = Connection::open(p.path("old.db")).expect("open old");
    let rows = c
        .prepare("SELECT id || '|' || code || '|' || qty FROM item ORDER BY id")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("rows");
    let catalog = c
        .prepare("SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("catalog");
    (rows, catalog)
}

/// The folder's files but the WAL and its index.
fn database_files(p: &Project) -> Vec<String> {
    p.files()
        .into_iter()
        .filter(|f| !f.ends_with("-wal") && !f.ends_with("-shm"))
        .collect()
}

/// Asserts `run` is the pre-check's refusal and nothing is left behind.
fn refused_and_withdrawn(
    p: &Project,
    run: &super::harness::Run,
    before: &(Vec<String>, Vec<String>),
    rows: i64,
) {
    let refusal = run.fails(FAILED, "migrate failed: ");
    assert!(
        refusal.starts_with(&format!("migrate failed: {}", line(rows))),
        "{refusal}"
    );
    assert_eq!(
        database_files(p),
        vec!["old.db", "schema.sql"],
        "a refused migrate left a file"
    );
    assert_eq!(
        &data(p),
        before,
        "the old database's rows or catalog changed"
    );
}

#[test]
fn migrate_refuses_a_unique_violation_in_the_last_rows_found_beside_the_copy_and_withdraws_the_migration(
) {
    let p = duplicates_in_the_last_rows(ROWS);
    let before = data(&p);
    let plan = p.mig(&["plan", "--old", "old.db", "--schema", "schema.sql"]);
    assert!(plan.line_starting("  - [blocks] ").contains(&line(ROWS)));
    // The shipped threshold, whatever this machine's cores (on fewer than
    // three the pre-check runs before the copy).
    let run = mig_with_env(
        &p.dir,
        &MIGRATE,
        &[("MIG_PRECHECK_BESIDE_ABOVE_ROWS", "100000")],
    );
    // The copy had started: the refusal came from beside it.
    assert!(
        run.stdout.lines().any(|l| l.contains("copying")),
        "the copy did not start: {run:#?}"
    );
    refused_and_withdrawn(&p, &run, &before, ROWS);
    // Nothing on the old database records writes any more.
    let c = Connection::open(p.path("old.db")).expect("open old");
    let mig_objects: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name LIKE '\\_mig%' ESCAPE '\\'",
            [],
            |r| r.get(0),
        )
        .expect("catalog");
    assert_eq!(mig_objects, 0, "triggers, log or marker left on old");
}

/// Killed after the pre-check beside the copy found the violation, before
/// it withdrew: `status` names the migration, the next `migrate` checks
/// again and withdraws it; killed again, `reset` removes it.
#[test]
fn migrate_killed_when_the_precheck_beside_the_copy_refused_is_withdrawn_by_the_next_run_or_by_reset(
) {
    let rows = 2_000;
    let p = duplicates_in_the_last_rows(rows);
    let before = data(&p);
    let beside = ("MIG_PRECHECK_BESIDE_ABOVE_ROWS", "0");
    let killed = mig_with_env(
        &p.dir,
        &MIGRATE,
        &[beside, ("MIG_FAILPOINT", "migrate.precheck-refused")],
    );
    assert!(
        killed
            .stderr
            .contains("failpoint migrate.precheck-refused hit"),
        "{killed:#?}"
    );
    assert!(p.path("new.db").exists(), "killed before the new file");
    let status = p
        .mig(&["status", "--old", "old.db", "--new", "new.db"])
        .ok();
    assert!(!status.stdout.trim().is_empty(), "{status:#?}");
    let run = mig_with_env(&p.dir, &MIGRATE, &[beside]);
    refused_and_withdrawn(&p, &run, &before, rows);

    let killed = mig_with_env(
        &p.dir,
        &MIGRATE,
        &[beside, ("MIG_FAILPOINT", "migrate.precheck-refused")],
    );
    assert!(killed
        .stderr
        .contains("failpoint migrate.precheck-refused hit"));
    p.mig(&["reset", "--old", "old.db", "--new", "new.db", "--yes"])
        .ok();
    assert_eq!(database_files(&p), vec!["old.db", "schema.sql"]);
    assert_eq!(data(&p), before, "reset changed the old database's rows");
}
