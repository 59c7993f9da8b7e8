//! Tables other tools own: SQLite's statistics, Litestream's tables and a
//! table named with `--ignore-table` are listed by `plan` as left to their
//! owner, never copied or counted as data loss, get no trigger (so their
//! owner keeps writing while writes to the user's tables are refused), and
//! such a table or an index on it created after migrate is not drift.

use rusqlite::Connection;

use super::harness::Project;
use crate::support::{oracle, writer::DRAINING};

#[test]
fn other_tools_tables_are_left_to_their_owner_through_the_runbook() {
    let p = Project::shop(100);
    p.sql(
        "old.db",
        "CREATE TABLE audit_shadow(x INTEGER, note TEXT); INSERT INTO audit_shadow VALUES (1, 'a'), (2, 'b'); ANALYZE;",
    );
    let args = ["--old", "old.db", "--new", "new.db"];
    let plan = p
        .mig(&[&args[..], &["plan", "--ignore-table", "audit_shadow"]].concat())
        .ok();
    assert_eq!(
        plan.line_starting("left to their owner: "),
        "left to their owner: audit_shadow (configured (ignore_tables)), sqlite_stat1 (SQLite (query statistics)), sqlite_stat4 (SQLite (query statistics))"
    );
    plan.has_line("data loss: none");
    p.mig(&[&args[..], &["migrate", "--ignore-table", "audit_shadow"]].concat())
        .ok();

    // Created after recording started, by their owners: not drift.
    p.sql(
        "old.db",
        "CREATE TABLE _litestream_seq(id INTEGER PRIMARY KEY, seq INTEGER); CREATE INDEX audit_x ON audit_shadow(x); INSERT INTO audit_shadow VALUES (3, 'c');",
    );
    let status = p.mig(&[&args[..], &["status"]].concat()).ok();
    assert!(
        !status.stdout.lines().any(|l| l.starts_with("warning:")),
        "{}",
        status.stdout
    );
    p.mig(&[&args[..], &["drain"]].concat()).ok();

    let old = Connection::open(p.path("old.db")).expect("old");
    let refused = old
        .execute("UPDATE Customer SET Email = 'x' WHERE CustomerId = 1", [])
        .expect_err("the user's tables refuse writes while drained");
    assert!(refused.to_string().contains(DRAINING), "{refused}");
    old.execute("INSERT INTO audit_shadow VALUES (4, 'd')", [])
        .expect("the owner's table takes writes while drained");
    old.execute("INSERT INTO _litestream_seq(seq) VALUES (1)", [])
        .expect("Litestream's table takes writes while drained");
    drop(old);

    p.mig(&[&args[..], &["cutover"]].concat()).ok();
    oracle::assert_matches(&p.path("old.db"), &p.path("new.db"));
    let new = Connection::open(p.path("new.db")).expect("new");
    let copied: i64 = new
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name IN ('audit_shadow', '_litestream_seq')",
            [],
            |r| r.get(0),
        )
        .expect("schema");
    assert_eq!(
        copied, 0,
        "another tool's table was carried to the new database"
    );
}
