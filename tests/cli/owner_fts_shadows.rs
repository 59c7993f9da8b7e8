//! An FTS5 table left to its owner (`--ignore-table notes_fts`) dropped
//! and made again on the old database mid-migration by another process
//! (`sqlite-utils disable-fts`, then `enable-fts`, in plain SQL): SQLite
//! drops and creates its shadow tables (`notes_fts_data`, `_idx`,
//! `_content`, `_docsize`, `_config`) with it. `drain` refused that as
//! drift ("table notes_fts_data was dropped") and said to reset, although
//! no recorded row changed; the shadow tables of a virtual table left to
//! its owner are its owner's too. Now drain and cutover go on, and every
//! write the service made is in the new database (oracle). Found by the
//! Datasette/sqlite-utils run (docs/reliability.md).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rusqlite::Connection;

use super::harness::Project;
use crate::support::oracle;
use crate::support::writer_process::{Outcome, WriterProcess, WriterSpec};

const FTS: &str = "CREATE VIRTUAL TABLE notes_fts USING fts5(label);\
                   INSERT INTO notes_fts(label) SELECT Label FROM Tag;";

/// Another tool's own process runs `sql` on `db`.
fn other_process(db: &Path, sql: &str) {
    let out = Command::new("sqlite3")
        .args(["-cmd", ".timeout 10000"])
        .arg(db)
        .arg(sql)
        .output()
        .expect("run sqlite3");
    assert!(
        out.status.success(),
        "sqlite3: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_fts_table_left_to_its_owner_dropped_and_made_again_mid_migration_is_not_drift() {
    let p = Project::shop(50);
    other_process(&p.path("old.db"), FTS);
    let files = ["--old", "old.db", "--new", "new.db"];
    let mut writer = WriterProcess::start(
        &p.dir,
        &WriterSpec {
            old: &p.path("old.db"),
            new: &p.path("new.db"),
            sql: "INSERT INTO Tag(OrderId, Label, Weight) VALUES (1, 'w' || ?1, 1.0)",
            pace: Duration::from_millis(2),
        },
    );
    writer.wait_for(Outcome::Ok, 5);
    p.migrate(&["--ignore-table", "notes_fts"]).ok();

    other_process(&p.path("old.db"), "DROP TABLE notes_fts;");
    let written = writer.log().count(Outcome::Ok);
    writer.wait_for(Outcome::Ok, written + 10);
    let status = p.mig(&[&files[..], &["status"]].concat()).ok();
    assert!(
        !status.stdout.contains("changed outside the recorded path"),
        "{}",
        status.stdout
    );
    other_process(&p.path("old.db"), FTS);
    let written = writer.log().count(Outcome::Ok);
    writer.wait_for(Outcome::Ok, written + 10);

    p.mig(&[&files[..], &["drain"]].concat()).ok();
    p.mig(&[&files[..], &["cutover"]].concat()).ok();
    let log = writer.stop();

    oracle::assert_matches(&p.path("old.db"), &p.path("new.db"));
    let new = Connection::open(p.path("new.db")).expect("new");
    let carried: i64 = new
        .query_row("SELECT count(*) FROM tag WHERE label LIKE 'w%'", [], |r| {
            r.get(0)
        })
        .expect("tag");
    assert_eq!(
        carried as usize,
        log.count(Outcome::Ok),
        "a write is missing"
    );
    let copied: i64 = new
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'notes\\_fts%' ESCAPE '\\'",
            [],
            |r| r.get(0),
        )
        .expect("schema");
    assert_eq!(
        copied, 0,
        "the FTS table or a shadow table was carried over"
    );
}

#[test]
fn a_table_dropped_beside_the_fts_tables_still_refuses_drain() {
    let p = Project::shop(20);
    other_process(
        &p.path("old.db"),
        &format!("{FTS} CREATE TABLE notes_extra(x);"),
    );
    let files = ["--old", "old.db", "--new", "new.db"];
    p.migrate(&["--ignore-table", "notes_fts", "--accept-data-loss"])
        .ok();
    other_process(
        &p.path("old.db"),
        "DROP TABLE notes_fts; DROP TABLE notes_extra;",
    );
    let run = p.mig(&[&files[..], &["drain"]].concat());
    let line = run.fails(super::harness::FAILED, "drain failed: ");
    assert!(
        line.contains("table notes_extra was dropped") && !line.contains("notes_fts_"),
        "{line}"
    );
}
