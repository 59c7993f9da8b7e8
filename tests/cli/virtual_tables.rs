//! An old FTS5 table mig cannot carry over (no trigger records its writes,
//! and schema.sql cannot create one): the rows it holds itself are data
//! loss — `plan` lists them and `migrate` refuses without
//! `--accept-data-loss`, creating nothing (it only warned, and migrated
//! without them). A contentless one (`content=''`) is all index, nothing
//! to rebuild it from: data loss too. An index over another table's rows
//! (`content=doc`) loses nothing; `--ignore-table` leaves one to its owner.

use super::harness::{Project, FAILED};

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
const MIGRATE: [&str; 7] = [
    "migrate",
    "--old",
    "old.db",
    "--new",
    "new.db",
    "--schema",
    "schema.sql",
];

fn project() -> Project {
    let p = Project::empty("notes");
    p.sql("old.db", OLD);
    p.write("schema.sql", NEW);
    p
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
