//! An old FTS5 table mig cannot carry over (no trigger records its writes,
//! and schema.sql cannot create one): the rows it holds itself are data
//! loss — `plan` lists them and `migrate` refuses without
//! `--accept-data-loss`, creating nothing (it only warned, and migrated
//! without them). A contentless one (`content=''`) is all index, nothing
//! to rebuild it from: data loss too. An index over another table's rows
//! (`content=doc`) loses nothing; `--ignore-table` leaves one to its owner.
//! A virtual table whose module mig's SQLite lacks (sqlite-vec's `vec0`,
//! made by the real extension) cannot be counted: it is named as unread,
//! CRITICAL, never "0 rows" (it was: an empty drop, LOW).

use super::harness::{Project, FAILED, MIGRATE};
use crate::support::python;

const OLD: &str = "PRAGMA journal_mode=WAL;
    CREATE TABLE doc (id INTEGER PRIMARY KEY, title TEXT, body TEXT);
    CREATE VIRTUAL TABLE note USING fts5(title, body);
    CREATE VIRTUAL TABLE doc_index USING fts5(title, body, content='doc', content_rowid='id');
    INSERT INTO doc VALUES (1, 'a', 'alpha'), (2, 'b', 'beta');
    INSERT INTO doc_index(doc_index) VALUES ('rebuild');
    INSERT INTO note VALUES ('one', 'first note'), ('two', 'second note'), ('three', 'third');
    CREATE VIRTUAL TABLE tag USING fts5(t, content='');
    INSERT INTO tag(rowid, t) VALUES (1, 'red'), (2, 'blue');";
const NEW: &str =
    "CREATE TABLE doc (id INTEGER PRIMARY KEY, title TEXT NOT NULL DEFAULT '', body TEXT);";
fn project() -> Project {
    Project::custom("notes", OLD, NEW)
}

#[test]
fn an_old_fts5_tables_own_rows_are_data_loss_that_migrate_refuses_without_accepting() {
    let p = project();
    let mut plan = MIGRATE.to_vec();
    plan[0] = "plan";
    let run = p.mig(&plan).ok();
    let mut loss: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|l| *l != "data loss:")
        .skip(1)
        .take_while(|l| l.starts_with("  - "))
        .collect();
    loss.sort();
    assert_eq!(
        loss,
        ["  - table note (3 rows)", "  - table tag (2 rows)"],
        "{}",
        run.stdout
    );
    run.has_line("can migrate: yes, with --accept-data-loss");

    let refused = p.mig(&MIGRATE);
    let line = refused.fails(FAILED, "migrate failed: migrate would lose data: table ");
    assert!(
        line.contains("table note (3 rows)") && line.contains("table tag (2 rows)"),
        "{line}"
    );
    assert_eq!(
        p.files(),
        ["old.db", "schema.sql"],
        "a refused migrate left files"
    );

    let mut ignoring = MIGRATE.to_vec();
    ignoring.extend(["--ignore-table", "note", "--ignore-table", "tag"]);
    p.mig(&ignoring).ok();
    assert!(p.path("new.db").exists());
}

#[test]
fn a_virtual_table_whose_module_is_missing_is_named_unread_not_zero_rows() {
    let Some(venv) = python::venv_or_skip("a_virtual_table_whose_module_is_missing") else {
        return;
    };
    let p = Project::empty("vectors");
    // The real extension, loaded by the real sqlite3 shell (as the
    // service's own SQLite would load it).
    let vec0 = venv.site_packages().join("sqlite_vec/vec0");
    let made = std::process::Command::new("sqlite3")
        .arg(p.path("old.db"))
        .arg(format!(".load {}", vec0.display()))
        .arg(
            "PRAGMA journal_mode=WAL; CREATE TABLE doc (id INTEGER PRIMARY KEY, title TEXT);
              CREATE VIRTUAL TABLE doc_vec USING vec0(embedding float[4]);
              INSERT INTO doc VALUES (1, 'a'), (2, 'b');
              INSERT INTO doc_vec(rowid, embedding) VALUES (1, '[1,0,0,1]'), (2, '[2,0,0,1]');",
        )
        .output()
        .expect("sqlite3 (Debian's sqlite3 package)");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    p.write(
        "schema.sql",
        "CREATE TABLE doc (id INTEGER PRIMARY KEY, title TEXT);",
    );

    let mut plan = MIGRATE.to_vec();
    plan[0] = "plan";
    let run = p.mig(&plan).ok();
    run.has_line("  - table doc_vec (rows unknown: no such module: vec0, which mig's SQLite does not have; any rows it holds would be lost)");
    let risk = run.line_starting("  - CRITICAL 90: table doc_vec is dropped and its rows could not be read (no such module: vec0)");
    assert!(risk.contains("any it holds are lost"), "{risk}");
    assert!(
        !run.stdout.contains("table doc_vec (0 rows)"),
        "{}",
        run.stdout
    );

    let refused = p.mig(&MIGRATE);
    let line = refused.fails(FAILED, "migrate failed: migrate would lose data: table ");
    assert!(
        line.contains("table doc_vec (rows unknown: no such module: vec0)"),
        "{line}"
    );
    assert_eq!(
        p.files(),
        ["old.db", "schema.sql"],
        "a refused migrate left files"
    );
}
