//! `ignore_tables` as a glob. `airflow db clean` (a daily cron) creates
//! `_airflow_deleted__<table>__<timestamp>` on the old database whenever it
//! runs, also while mig records; `status` and `drain` then refused it as a
//! table created outside the recorded path. Named ahead of time by a
//! pattern, such a table created mid-migration by another process is left
//! to its owner: drain and cutover go on, every write the service made
//! reaches the new database (oracle), the table is not copied; a table the
//! pattern does not match still refuses. Found by the Airflow run
//! (docs/reliability.md).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rusqlite::Connection;

use super::harness::{Project, FAILED};
use crate::support::oracle;
use crate::support::writer_process::{Outcome, WriterProcess, WriterSpec};

const PATTERN: &str = "_airflow_deleted__*";
const ARCHIVE: &str = "_airflow_deleted__orders__20261202";

/// Another tool's own process (`airflow db clean`) runs `sql` on `db`.
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
fn a_table_created_mid_migration_that_an_ignore_tables_glob_matches_is_left_to_its_owner() {
    let p = Project::shop(50);
    let files = ["--old", "old.db", "--new", "new.db"];
    let ignore = ["--ignore-table", PATTERN];
    let plan = p
        .mig(&[&files[..], &["plan"], &ignore[..], &ignore[..]].concat())
        .ok();
    let said: Vec<&str> = plan
        .stdout
        .lines()
        .filter(|l| l.contains("ignore_tables"))
        .collect();
    assert_eq!(said.len(), 1, "said once:\n{}", plan.stdout);
    assert!(
        said[0].contains(&format!(
            "ignore_tables pattern {PATTERN} matches no table of the old database now"
        )),
        "{}",
        said[0]
    );

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
    p.migrate(&ignore).ok();
    other_process(
        &p.path("old.db"),
        &format!("CREATE TABLE {ARCHIVE} AS SELECT * FROM Orders WHERE OrderId <= 3;"),
    );
    let written = writer.log().count(Outcome::Ok);
    writer.wait_for(Outcome::Ok, written + 10);

    let status = p.mig(&[&files[..], &["status"]].concat()).ok();
    assert!(
        !status.stdout.lines().any(|l| l.starts_with("warning:")),
        "{}",
        status.stdout
    );
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
            "SELECT count(*) FROM sqlite_schema WHERE name LIKE '\\_airflow%' ESCAPE '\\'",
            [],
            |r| r.get(0),
        )
        .expect("schema");
    assert_eq!(
        copied, 0,
        "the archive table was carried to the new database"
    );
    let kept: i64 = Connection::open(p.path("old.db"))
        .and_then(|c| c.query_row(&format!("SELECT count(*) FROM {ARCHIVE}"), [], |r| r.get(0)))
        .expect("the archive table stays with its owner");
    assert_eq!(kept, 3);
}

#[test]
fn a_table_created_mid_migration_that_no_glob_matches_still_refuses_drain() {
    let p = Project::shop(20);
    let files = ["--old", "old.db", "--new", "new.db"];
    p.migrate(&["--ignore-table", PATTERN]).ok();
    other_process(
        &p.path("old.db"),
        "CREATE TABLE _airflow_deleted_orders AS SELECT * FROM Orders WHERE 0;",
    );
    let run = p.mig(&[&files[..], &["drain"]].concat());
    let line = run.fails(FAILED, "drain failed: ");
    assert!(line.contains("_airflow_deleted_orders"), "{line}");
}
