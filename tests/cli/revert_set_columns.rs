//! New columns a `mig:set` fills, written by the new service during the
//! revert window. A column filled with a constant (`mig:set time_ms = 0`)
//! has no place in the old table, like a column filled with its DEFAULT: a
//! revert refuses while it holds values other than that constant (one line
//! with the column and the count, no file changed) until
//! `--drop-new-columns`; rows left at the constant come back cleanly. It
//! used to fail verification "at key …" instead. A column computed from
//! old columns (`mig:set email = lower(Email)`) whose new value the old
//! row cannot give back is refused with a line naming the table, the
//! column and the count, never dropped; once those rows are fixed in the
//! new database the revert goes through. Each revert is checked against
//! the hand-written inverse. Through a real `mig-agent` (mutual TLS).

use std::time::{Duration, Instant};

use crate::support::agent::TestAgent;
use crate::support::revert_case as case;

use super::harness::{Project, Run, FAILED};
use super::real_agent::as_who;
use super::rerun::dump;

/// `revert_case`'s schema with `customer.time_ms`, filled with 0.
fn constant_schema() -> String {
    let with = case::SCHEMA
        .replace(
            "-- mig:set created_at = CreatedAt\n",
            "-- mig:set created_at = CreatedAt\n-- mig:set time_ms = 0\n",
        )
        .replace(
            "email TEXT NOT NULL, created_at TEXT NOT NULL);",
            "email TEXT NOT NULL, created_at TEXT NOT NULL, time_ms INTEGER NOT NULL);",
        );
    assert_eq!(
        with.matches("time_ms").count(),
        2,
        "the customer table was not found"
    );
    with
}

/// A project cut over with a revert window through a real agent, and the
/// `mig` runner for it.
struct CutOver {
    p: Project,
    agent: TestAgent,
}

impl CutOver {
    fn new(schema: &str) -> CutOver {
        let p = Project::empty("shop");
        case::create_old(&p.path("old.db"));
        p.write("schema.sql", schema);
        let agent = TestAgent::start(&p.dir, &[("shop", &p.path("old.db"), &p.path("new.db"))]);
        CutOver { p, agent }
    }

    fn mig(&self, args: &[&str]) -> Run {
        let mut all = as_who(&self.agent, "operator");
        all.extend(args.iter().map(|s| s.to_string()));
        self.p
            .mig(&all.iter().map(String::as_str).collect::<Vec<_>>())
    }

    fn cut_over(&self) {
        self.mig(&["migrate", "--accept-data-loss"]).ok();
        self.mig(&["drain"]).ok();
        self.mig(&["cutover", "--revert-window", "1h"]).ok();
        case::snapshot(&self.p.path("old.db"), &self.p.path("new.db"), &self.p.dir);
    }

    /// The new service's write, on its own connection; the rows it changed.
    fn new_service(&self, sql: &str) -> usize {
        let conn = rusqlite::Connection::open(self.p.path("new.db")).expect("the new service");
        conn.execute(sql, [])
            .unwrap_or_else(|e| panic!("the new service: {sql}: {e}"))
    }

    /// Waits until the agent has carried back every write of the new service.
    fn carried_back(&self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while !self
            .mig(&["status"])
            .ok()
            .stdout
            .contains(", 0 writes not yet carried back")
        {
            assert!(Instant::now() < deadline, "the agent never carried back");
        }
    }

    fn dumps(&self) -> (Vec<String>, Vec<String>) {
        (dump(&self.p.path("old.db")), dump(&self.p.path("new.db")))
    }

    fn assert_old_is_inverse(&self) -> usize {
        case::assert_old_is_inverse(&self.p.path("old.db"), &self.p.path("new.db"), &self.p.dir)
    }
}

#[test]
fn revert_treats_a_column_set_to_a_constant_as_new_only_refusing_other_values_until_dropped() {
    let c = CutOver::new(&constant_schema());
    let plan = c.mig(&["plan"]).ok();
    let note = plan.line_starting("    note: new column time_ms ");
    assert!(
        note.contains("is not carried back by a revert") && note.contains("--drop-new-columns"),
        "{plan:#?}"
    );
    c.cut_over();
    let timed = c.new_service("UPDATE customer SET time_ms = 1000 + id WHERE id % 4 = 0");
    assert!(timed > 50, "timed {timed}");
    // Rows written with the constant itself come back as any other row.
    let kept = c.new_service(
        "UPDATE customer SET full_name = 'Kept' || id || ' Zero', time_ms = 0 WHERE id % 4 = 1",
    );
    assert!(kept > 50, "kept {kept}");
    c.new_service(
        "INSERT INTO customer(full_name, email, created_at, time_ms) VALUES ('New One', 'n1@x.org', '2024-01-01', 0)",
    );
    c.carried_back();

    let before = c.dumps();
    let refused = c.mig(&["revert"]);
    let said = refused
        .fails(FAILED, "revert failed: revert refused: ")
        .to_string();
    for part in [
        format!("it would drop {timed} value(s) of new columns the old schema has no place for"),
        format!("customer.time_ms ({timed} value(s) other than 0, its mig:set value)"),
        "nothing was changed".into(),
        "--drop-new-columns".into(),
    ] {
        assert!(said.contains(&part), "no `{part}` in: {said}");
    }
    assert_eq!(c.dumps(), before, "a refused revert changed a file");

    let out = c.mig(&["revert", "--drop-new-columns"]).ok();
    let left = out.line_starting("left behind: customer.time_ms ");
    assert!(
        left.contains(&format!(
            "({timed} value(s) other than 0, its mig:set value) not carried back"
        )),
        "{out:#?}"
    );
    let compared = c.assert_old_is_inverse();
    assert!(compared > 1_500, "compared {compared} rows");
}

#[test]
fn revert_refuses_new_values_a_computed_column_cannot_get_back_naming_table_column_and_count() {
    let c = CutOver::new(case::SCHEMA);
    c.cut_over();
    // `email = lower(Email)`, and back `Email = email`: an upper-case email
    // has no old row whose lower() gives it.
    let shouted = c.new_service("UPDATE customer SET email = upper(email) WHERE id % 5 = 0");
    assert!(shouted > 50, "shouted {shouted}");
    c.carried_back();

    let refused = c.mig(&["revert"]);
    let said = refused
        .fails(FAILED, "revert failed: revert refused: ")
        .to_string();
    for part in [
        format!("the new service wrote {shouted} value(s) into customer.email"),
        "mig:set email = lower(Email)".into(),
        "the window stays open".into(),
        "fix those rows in the new database".into(),
    ] {
        assert!(said.contains(&part), "no `{part}` in: {said}");
    }
    c.mig(&["status"])
        .ok()
        .line_starting("revert window: open until ");

    c.new_service("UPDATE customer SET email = lower(email) WHERE email <> lower(email)");
    c.carried_back();
    c.mig(&["revert"]).ok();
    let compared = c.assert_old_is_inverse();
    assert!(compared > 1_500, "compared {compared} rows");
}
