//! A view or trigger body in `schema.sql` that SQLite accepts at CREATE but
//! cannot compile (a column or table that does not exist) used to migrate
//! and cut over; the new service then failed at its first read of the view
//! or its first write firing the trigger. `plan` and `migrate` refuse it
//! with the statement's position, before any file exists. A function the
//! service registers itself is not mig's to know: accepted.

use super::harness::{Project, FAILED};
use crate::support::fixture::NEW_SCHEMA;

const FILES: [&str; 6] = [
    "--old",
    "old.db",
    "--new",
    "new.db",
    "--schema",
    "schema.sql",
];

/// `plan` and `migrate` both refuse with `line`, and nothing changes.
fn refused(p: &Project, line: &str) {
    let old = std::fs::read(p.path("old.db")).expect("old");
    for cmd in ["plan", "migrate"] {
        let mut args = vec![cmd];
        args.extend_from_slice(&FILES);
        let run = p.mig(&args);
        let got = run.fails(FAILED, &format!("{cmd} failed: "));
        assert!(got.contains(line), "{cmd}: {got}");
    }
    assert_eq!(std::fs::read(p.path("old.db")).expect("old"), old);
    assert!(!p.path("new.db").exists());
}

#[test]
fn a_trigger_writing_to_a_missing_table_is_refused_at_its_line() {
    let p = Project::shop(10);
    p.write(
        "schema.sql",
        &format!(
            "{NEW_SCHEMA}CREATE TABLE audit (at TEXT, what TEXT);\n\
             CREATE TRIGGER customer_audit AFTER UPDATE OF email ON customer BEGIN\n  \
             INSERT INTO audti(at, what) VALUES (datetime('now'), new.email);\nEND;\n"
        ),
    );
    let line = NEW_SCHEMA.lines().count() + 2;
    refused(
        &p,
        &format!("schema.sql:{line}:1: trigger customer_audit does not compile: no such table: main.audti"),
    );
}

#[test]
fn a_view_reading_a_missing_column_is_refused_and_an_app_function_is_not() {
    let p = Project::shop(10);
    p.write(
        "schema.sql",
        &format!("{NEW_SCHEMA}CREATE VIEW big_orders AS SELECT OrderId, amount FROM orders;\n"),
    );
    refused(
        &p,
        "view big_orders does not compile: no such column: amount",
    );

    p.write(
        "schema.sql",
        &format!(
            "{NEW_SCHEMA}CREATE VIEW tagged AS SELECT order_id, app_slug(label) AS slug FROM tag;\n"
        ),
    );
    let mut plan = vec!["plan"];
    plan.extend_from_slice(&FILES);
    p.mig(&plan).ok().has_line("can migrate: yes");
}
