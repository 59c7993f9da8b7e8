//! A key set to a constant by `mig:set`, as Alembic's one-row
//! `alembic_version` is moved to the next revision (`-- mig:set
//! version_num = '…'`, with its `mig:revert`). `plan` called the column
//! dropped (so `migrate` wanted `--accept-data-loss`), the table
//! renumbered, and revert's note called `version_num` a new column the old
//! table has no place for: the column is on both sides, set by the user's
//! line and set back by the other. A many-row table whose key becomes a
//! constant would collide: refused before anything changes. Found by the
//! Airflow run (docs/reliability.md).

use rusqlite::Connection;

use super::harness::{Project, FAILED};

const OLD: &str = "PRAGMA journal_mode = WAL;
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
INSERT INTO alembic_version VALUES ('5f2621c13b39');
CREATE TABLE dag_run (id INTEGER PRIMARY KEY, dag_id TEXT NOT NULL);
INSERT INTO dag_run (dag_id) VALUES ('a'), ('b'), ('c');";

const SCHEMA: &str = "-- mig:set version_num = 'a2c32e6c7729'
-- mig:revert version_num = '5f2621c13b39'
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL,
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE dag_run (id INTEGER PRIMARY KEY, dag_id TEXT NOT NULL, triggered_by VARCHAR(50));
";

const FILES: [&str; 4] = ["--old", "old.db", "--new", "new.db"];

fn run(p: &Project, args: &[&str]) -> super::harness::Run {
    p.mig(&[&args[..1], &FILES[..], &args[1..]].concat())
}

fn version(db: &std::path::Path) -> Vec<String> {
    let conn = Connection::open(db).expect("open");
    let mut stmt = conn
        .prepare("SELECT version_num FROM alembic_version")
        .expect("alembic_version");
    stmt.query_map([], |r| r.get(0))
        .and_then(|rows| rows.collect())
        .expect("rows")
}

#[test]
fn a_one_row_key_set_by_mig_set_is_neither_dropped_nor_renumbered_and_goes_back_by_mig_revert() {
    let p = Project::custom("airflow", OLD, SCHEMA);
    let plan = run(&p, &["plan"]).ok();
    plan.has_line("data loss: none")
        .has_line("renumbered tables: none")
        .has_line("can migrate: yes");
    let table = plan.line_starting("  1. alembic_version");
    assert!(
        table.contains("key version_num set to a constant by mig:set, 1 rows"),
        "{table}"
    );
    for wrong in ["is dropped", "is renumbered", "has no place for"] {
        let said = plan
            .stdout
            .lines()
            .find(|l| l.contains("version_num") && l.contains(wrong));
        assert_eq!(said, None, "`{wrong}` in:\n{}", plan.stdout);
    }
    let note = plan
        .stdout
        .lines()
        .find(|l| l.contains("note:") && l.contains("version_num"))
        .unwrap_or_else(|| panic!("no revert note on version_num:\n{}", plan.stdout));
    assert!(
        note.contains("column version_num is set at the copy and set again"),
        "{note}"
    );

    // No --accept-data-loss needed; the revision moves, and comes back.
    p.migrate(&[]).ok();
    run(&p, &["drain"]).ok();
    run(&p, &["cutover", "--revert-window", "1h"]).ok();
    assert_eq!(version(&p.path("new.db")), ["a2c32e6c7729"]);
    p.sql(
        "new.db",
        "INSERT INTO dag_run (dag_id) VALUES ('after cutover')",
    );
    run(&p, &["revert"]).ok();
    assert_eq!(version(&p.path("old.db")), ["5f2621c13b39"]);
    let runs: i64 = Connection::open(p.path("old.db"))
        .and_then(|c| c.query_row("SELECT count(*) FROM dag_run", [], |r| r.get(0)))
        .expect("dag_run");
    assert_eq!(runs, 4, "the write made after cutover came back");
}

#[test]
fn a_many_row_table_whose_key_becomes_a_constant_is_refused_before_anything_changes() {
    let p = Project::custom(
        "settings",
        "PRAGMA journal_mode = WAL;
         CREATE TABLE setting (name TEXT NOT NULL PRIMARY KEY, value TEXT);
         INSERT INTO setting VALUES ('a', '1'), ('b', '2'), ('c', '3');",
        "-- mig:set name = 'same'\nCREATE TABLE setting (name TEXT NOT NULL PRIMARY KEY, value TEXT);\n",
    );
    let plan = run(&p, &["plan"]);
    assert_eq!(plan.code, FAILED, "{plan:#?}");
    plan.has_line("can migrate: no");
    let blocker = plan
        .stdout
        .lines()
        .find(|l| l.contains("PRIMARY KEY(name)") && l.contains("3 rows"))
        .unwrap_or_else(|| panic!("no collision named:\n{}", plan.stdout));
    assert!(blocker.contains("setting"), "{blocker}");
    let before = std::fs::read(p.path("old.db")).expect("old bytes");
    let refused = p.migrate(&["--accept-data-loss"]);
    refused.fails(FAILED, "migrate failed: ");
    assert_eq!(std::fs::read(p.path("old.db")).expect("old"), before);
    assert!(!p.path("new.db").exists(), "migrate left a new database");
}

#[test]
fn a_column_set_by_mig_set_without_a_mig_revert_still_counts_as_data_loss() {
    let p = Project::custom(
        "notes",
        "PRAGMA journal_mode = WAL;
         CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL, tag TEXT);
         INSERT INTO note (body, tag) VALUES ('a', 'x'), ('b', 'y');",
        "-- mig:set tag = NULL\nCREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL, tag TEXT);\n",
    );
    let plan = run(&p, &["plan"]).ok();
    let loss = plan
        .stdout
        .lines()
        .find(|l| l.contains("column note.tag (2 values)"))
        .unwrap_or_else(|| {
            panic!(
                "the replaced values not listed as data loss:\n{}",
                plan.stdout
            )
        });
    assert!(!loss.contains("none"), "{loss}");
    let before = std::fs::read(p.path("old.db")).expect("old bytes");
    p.migrate(&[]).fails(FAILED, "migrate failed: ");
    assert_eq!(std::fs::read(p.path("old.db")).expect("old"), before);
    assert!(!p.path("new.db").exists(), "migrate left a new database");
    p.migrate(&["--accept-data-loss"]).ok();
}
