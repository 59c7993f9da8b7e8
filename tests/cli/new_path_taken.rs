//! An operator points the new path at a database that is already there and
//! that mig did not make: the analytics tool's database, a backup copy of
//! the old one. `plan` said "can migrate: yes" (exit 0) and `migrate` then
//! refused, advising to remove the file, which may be in use. Both now
//! refuse with one line saying to pass another path, and change no file.

use crate::support::agent::TestAgent;

use super::harness::{Project, FAILED};
use super::real_agent::operator_on;

const TAKEN: &str = "already exists and mig did not create it; pass another --new (remove it only if nothing uses it";

#[test]
fn plan_and_migrate_through_a_real_agent_refuse_a_new_path_holding_another_tools_database() {
    let p = Project::shop(40);
    p.sql(
        "analytics.db",
        "CREATE TABLE daily (day TEXT, orders INTEGER); INSERT INTO daily VALUES ('2026-11-30', 7)",
    );
    let (old, analytics) = (p.path("old.db"), p.path("analytics.db"));
    let before = (
        std::fs::read(&old).expect("old"),
        std::fs::read(&analytics).expect("analytics"),
    );
    let agent = TestAgent::start(&p.dir, &[("shop", &old, &analytics)]);
    let op = operator_on(&agent, "shop", p.dir.clone());
    let plan = op(&["plan", "--schema", "schema.sql"]);
    plan.fails(FAILED, "plan failed: migrate could not run: ");
    plan.has_line("can migrate: no");
    assert!(plan.stdout.contains(TAKEN), "{}", plan.stdout);
    let refused = op(&["migrate", "--schema", "schema.sql"]);
    assert!(refused.fails(FAILED, "migrate failed: ").contains(TAKEN));
    let after = (
        std::fs::read(&old).expect("old"),
        std::fs::read(&analytics).expect("analytics"),
    );
    assert!(before == after, "a refused plan or migrate changed a file");
}

#[test]
fn plan_refuses_an_empty_file_at_the_new_path_as_migrate_does() {
    let p = Project::shop(10);
    p.write("new.db", "");
    let args = [
        "--old",
        "old.db",
        "--new",
        "new.db",
        "--schema",
        "schema.sql",
    ];
    let plan = p.mig(&[&["plan"], &args[..]].concat());
    plan.fails(FAILED, "plan failed: migrate could not run: ");
    assert!(plan.stdout.contains(TAKEN), "{}", plan.stdout);
    let migrate = p.mig(&[&["migrate"], &args[..]].concat());
    assert!(migrate.fails(FAILED, "migrate failed: ").contains(TAKEN));
    assert_eq!(std::fs::read(p.path("new.db")).expect("new").len(), 0);
}
