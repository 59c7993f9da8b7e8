//! A column only the new schema has (`customer.starred`, filled with its
//! DEFAULT by the copy, then written by the new service) cannot be carried
//! back: the old table has no place for it. A new user lost 607 such
//! values to a revert that did not mention them. Now `mig plan` names the
//! column in its revert section, and `mig revert` refuses while it holds
//! values other than its DEFAULT — one line with the column and the count,
//! no file changed — until `--drop-new-columns`, after which its output
//! names what stayed behind and the old database is the hand-written
//! inverse of the new one. Through a real `mig-agent` (mutual TLS).

use std::time::{Duration, Instant};

use crate::support::agent::TestAgent;
use crate::support::revert_case as case;
use crate::support::writer::Writer;

use super::harness::{Project, Run, FAILED};
use super::real_agent::as_who;
use super::rerun::dump;

/// `revert_case`'s schema with one column only the new schema has.
fn schema() -> String {
    let with = case::SCHEMA.replace(
        "email TEXT NOT NULL, created_at TEXT NOT NULL);",
        "email TEXT NOT NULL, created_at TEXT NOT NULL, starred INTEGER NOT NULL DEFAULT 0);",
    );
    assert_ne!(with, case::SCHEMA, "the customer table was not found");
    with
}

#[test]
fn revert_refuses_to_drop_values_of_a_new_column_until_told_and_plan_names_the_column() {
    let p = Project::empty("shop");
    case::create_old(&p.path("old.db"));
    p.write("schema.sql", &schema());
    let agent = TestAgent::start(&p.dir, &[("shop", &p.path("old.db"), &p.path("new.db"))]);
    let mig = |args: &[&str]| -> Run {
        let mut all = as_who(&agent, "operator");
        all.extend(args.iter().map(|s| s.to_string()));
        p.mig(&all.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let plan = mig(&["plan"]).ok();
    let note = plan.line_starting("    note: new column starred ");
    assert!(
        note.contains("is not carried back by a revert") && note.contains("--drop-new-columns"),
        "{plan:#?}"
    );

    mig(&["migrate", "--accept-data-loss"]).ok();
    mig(&["drain"]).ok();
    mig(&["cutover", "--revert-window", "1h"]).ok();
    let (old, new) = (p.path("old.db"), p.path("new.db"));
    case::snapshot(&old, &new, &p.dir);
    let writer = Writer::start_with(new.clone(), 81, case::new_workload);
    writer.wait_committed(100);
    writer.stop();
    let conn = rusqlite::Connection::open(&new).expect("the new service");
    let starred = conn
        .execute("UPDATE customer SET starred = 1 WHERE id % 3 = 0", [])
        .expect("the new service stars customers");
    assert!(starred > 100, "starred {starred}");
    drop(conn);
    let deadline = Instant::now() + Duration::from_secs(120);
    while !mig(&["status"])
        .ok()
        .stdout
        .contains(", 0 writes not yet carried back")
    {
        assert!(Instant::now() < deadline, "the agent never carried back");
    }

    let before = (dump(&old), dump(&new));
    let refused = mig(&["revert"]);
    let said = refused
        .fails(FAILED, "revert failed: revert refused: ")
        .to_string();
    for part in [
        format!("it would drop {starred} value(s) of new columns the old schema has no place for"),
        format!("customer.starred ({starred} value(s) other than its DEFAULT)"),
        "nothing was changed".into(),
        "--drop-new-columns".into(),
    ] {
        assert!(said.contains(&part), "no `{part}` in: {said}");
    }
    assert_eq!(
        (dump(&old), dump(&new)),
        before,
        "a refused revert changed a file"
    );
    mig(&["status"])
        .ok()
        .line_starting("revert window: open until ");

    let out = mig(&["revert", "--drop-new-columns"]).ok();
    let left = out.line_starting("left behind: customer.starred ");
    assert!(
        left.contains(&format!(
            "({starred} value(s) other than its DEFAULT) not carried back"
        )),
        "{out:#?}"
    );
    let compared = case::assert_old_is_inverse(&old, &new, &p.dir);
    assert!(compared > 1_500, "compared {compared} rows");
    let kept: i64 = rusqlite::Connection::open(&new)
        .and_then(|c| {
            c.query_row("SELECT count(*) FROM customer WHERE starred = 1", [], |r| {
                r.get(0)
            })
        })
        .expect("the values in the new database");
    assert_eq!(kept as usize, starred, "the new database keeps every value");
}
