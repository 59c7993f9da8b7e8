//! A table left to its owner (`--ignore-table`) that the schema also
//! declares. Found by a new user's Redmine run (docs/reliability.md):
//! `--ignore-table ar_internal_metadata` with a schema that keeps Rails'
//! `ar_internal_metadata` was planned as "(no old table) … starts empty"
//! with "data loss: none", and its `environment` row was not copied. Now
//! plan and migrate refuse in one line naming both ways out, changing
//! nothing; without the flag the table is copied.

use rusqlite::Connection;

use super::harness::{Project, FAILED};

const OLD: &str = "PRAGMA journal_mode = WAL;
CREATE TABLE ar_internal_metadata (key TEXT NOT NULL PRIMARY KEY, value TEXT);
INSERT INTO ar_internal_metadata VALUES ('environment', 'production');
CREATE TABLE issues (id INTEGER PRIMARY KEY, subject TEXT NOT NULL);
INSERT INTO issues (subject) VALUES ('a'), ('b');";

const SCHEMA: &str =
    "CREATE TABLE ar_internal_metadata (key TEXT NOT NULL PRIMARY KEY, value TEXT);
CREATE TABLE issues (id INTEGER PRIMARY KEY, subject TEXT NOT NULL, closed_by_id INTEGER);
";

const FILES: [&str; 4] = ["--old", "old.db", "--new", "new.db"];

#[test]
fn a_table_left_to_its_owner_that_the_schema_declares_is_refused_before_anything_changes() {
    let p = Project::custom("redmine", OLD, SCHEMA);
    let ignore = ["--ignore-table", "AR_internal_metadata"];
    let plan = p.mig(&[&["plan"][..], &FILES, &ignore].concat());
    assert_eq!(plan.code, FAILED, "{plan:#?}");
    plan.has_line("can migrate: no");
    let blocker = plan
        .stdout
        .lines()
        .find(|l| l.contains("is left to its owner (ignore_tables) and the schema declares it"))
        .unwrap_or_else(|| panic!("no blocker:\n{}", plan.stdout));
    assert!(blocker.contains("ar_internal_metadata"), "{blocker}");
    assert!(
        blocker.contains("remove it from ignore_tables"),
        "{blocker}"
    );

    let before = std::fs::read(p.path("old.db")).expect("old bytes");
    p.migrate(&ignore).fails(FAILED, "migrate failed: ");
    assert_eq!(std::fs::read(p.path("old.db")).expect("old"), before);
    assert!(!p.path("new.db").exists(), "migrate left a new database");

    // Without the flag the row is copied.
    p.migrate(&[]).ok();
    let env: String = Connection::open(p.path("new.db"))
        .and_then(|c| {
            c.query_row(
                "SELECT value FROM ar_internal_metadata WHERE key = 'environment'",
                [],
                |r| r.get(0),
            )
        })
        .expect("the environment row in the new database");
    assert_eq!(env, "production");
}
