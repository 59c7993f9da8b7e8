//! A new schema that tightens a column to `NOT NULL DEFAULT x` while old
//! rows (and the service, during the migration) hold NULL there: the copy
//! and replay write the DEFAULT, `verify` compares that same value and
//! certifies, and the final new database equals the oracle (the same
//! `coalesce` as plain SQL on the final old database).

use std::time::Duration;

use rusqlite::Connection;

use super::harness::Project;
use crate::support::writer_process::{Outcome, WriterProcess, WriterSpec};

const FILES: [&str; 6] = [
    "--old",
    "old.db",
    "--new",
    "new.db",
    "--schema",
    "schema.sql",
];

fn rows(db: &std::path::Path, sql: &str) -> Vec<(i64, i64, String)> {
    let c = Connection::open(db).expect("open");
    let mut s = c.prepare(sql).expect("prepare");
    s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[test]
fn nulls_in_a_column_tightened_to_not_null_default_verify_and_match_the_oracle() {
    let p = Project::empty("null-default");
    p.sql(
        "old.db",
        "PRAGMA journal_mode=WAL;
         CREATE TABLE loan (id INTEGER PRIMARY KEY, fee INTEGER, note TEXT);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
         INSERT INTO loan SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE i END,
           CASE WHEN i % 5 = 0 THEN NULL ELSE 'n' || i END FROM n;",
    );
    p.write(
        "schema.sql",
        "CREATE TABLE loan (id INTEGER PRIMARY KEY, fee INTEGER NOT NULL DEFAULT 0, \
         note TEXT NOT NULL DEFAULT ('none'));\n",
    );
    // The service keeps inserting rows with NULLs.
    let mut writer = WriterProcess::start(
        &p.path(""),
        &WriterSpec {
            old: &p.path("old.db"),
            new: &p.path("new.db"),
            sql: "INSERT INTO loan (fee, note) VALUES (CASE WHEN ?1 % 2 = 0 THEN NULL ELSE ?1 END, NULL)",
            pace: Duration::from_millis(2),
        },
    );
    writer.wait_for(Outcome::Ok, 20);
    let mut migrate = vec!["migrate"];
    migrate.extend_from_slice(&FILES);
    p.mig(&migrate).ok();
    writer.wait_for(Outcome::Ok, 200);
    p.mig(&["verify", "--old", "old.db", "--new", "new.db"])
        .ok()
        .line_starting("verified: ");
    p.mig(&["drain", "--old", "old.db", "--new", "new.db"]).ok();
    let log = writer.stop();
    assert!(
        log.count(Outcome::Ok) >= 200,
        "the writer wrote during the migration"
    );
    p.mig(&["cutover", "--new", "new.db"]).ok();

    let oracle = rows(
        &p.path("old.db"),
        "SELECT id, coalesce(fee, 0), coalesce(note, 'none') FROM loan ORDER BY id",
    );
    let new = rows(
        &p.path("new.db"),
        "SELECT id, fee, note FROM loan ORDER BY id",
    );
    assert!(oracle.iter().any(|r| r.1 == 0), "old rows held NULL fees");
    assert_eq!(new, oracle);
}
