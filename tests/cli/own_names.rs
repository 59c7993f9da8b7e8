//! A service whose own database has a table under a name mig records with
//! (`_migration_log` is a name a hand-rolled migration tool picks). Every
//! command, locally and through a real agent over mutual TLS, refuses with
//! one line naming the table and the way out, and changes no file: the
//! service's rows stay as they were. It used to answer with SQLite's
//! "no such column: seq in SELECT coalesce(max(seq), 0) …".

use crate::support::agent::TestAgent;

use super::bad_input::snapshot;
use super::harness::{Project, FAILED};
use super::real_agent::operator_on;

const SAYS: &str = "the old database has a table _migration_log of its own (it has no column seq): mig keeps its records under that name; rename the service's table";

fn with_own_log() -> Project {
    let p = Project::shop(30);
    p.sql(
        "old.db",
        "CREATE TABLE _migration_log(version INTEGER PRIMARY KEY, applied_at TEXT, name TEXT);
         INSERT INTO _migration_log VALUES (1, '2020-01-01', 'init'), (2, '2021-06-01', 'orders');",
    );
    p
}

fn own_rows(p: &Project) -> i64 {
    rusqlite::Connection::open(p.path("old.db"))
        .and_then(|c| {
            c.query_row(
                "SELECT count(*) FROM _migration_log WHERE name IN ('init', 'orders')",
                [],
                |r| r.get(0),
            )
        })
        .expect("the service's table")
}

const COMMANDS: [&[&str]; 7] = [
    &["status"],
    &["plan", "--schema", "schema.sql"],
    &["migrate", "--schema", "schema.sql"],
    &["verify"],
    &["drain"],
    &["reset", "--yes"],
    &["cleanup-old"],
];

#[test]
fn a_service_table_named_migration_log_is_refused_by_every_command_with_one_line_and_kept() {
    let p = with_own_log();
    let before = snapshot(&p.dir);
    for args in COMMANDS {
        let mut all = vec!["--old", "old.db", "--new", "new.db"];
        all.extend_from_slice(args);
        let run = p.mig(&all);
        let line = run.fails(FAILED, &format!("{} failed: ", args[0]));
        assert!(line.contains(SAYS), "{line}");
        assert_eq!(snapshot(&p.dir), before, "`mig {}` changed a file", args[0]);
    }
    assert_eq!(own_rows(&p), 2);
}

#[test]
fn a_service_table_named_migration_log_is_refused_through_a_real_agent() {
    let p = with_own_log();
    let agent = TestAgent::start(&p.dir, &[("shop", &p.path("old.db"), &p.path("new.db"))]);
    let mig = operator_on(&agent, "shop", p.dir.clone());
    for args in COMMANDS {
        let run = mig(args);
        let line = run.fails(FAILED, &format!("{} failed: ", args[0]));
        assert!(line.contains(SAYS), "{line}");
    }
    assert!(!p.path("new.db").exists(), "a new database was created");
    assert_eq!(own_rows(&p), 2);
}
