//! Revert's "writes refused for" figure, checked from outside: the new
//! service, a writer in its own process, writes to the new database
//! through a real agent's revert; refused there, it moves to the old
//! database once the refusal says the new one was reverted, as the message
//! tells it to. From its first write the new database did not take to its
//! first write the old one took is the outage it felt: mig's printed figure
//! agrees with it within the drain outage check's bounds
//! (`outage::assert_reported_matches`). The old database ends equal to the
//! hand-written inverse of the new one (the writer's rows on the new
//! database included, its rows on the old one after the revert set aside).

use crate::outage::assert_reported_matches;
use crate::support::agent::TestAgent;
use crate::support::revert_case as case;
use crate::support::revert_writer::{self, RevertWriterSpec};
use crate::support::writer_process::Outcome;

use super::harness::Project;
use super::real_agent::as_who;

/// The new service's write, and the old service's once it is back.
const NEW_WRITE: &str = "INSERT INTO note(body, pinned) VALUES ('service ' || ?1, ?1 % 2)";
const OLD_WRITE: &str = "INSERT INTO Note(Body, Pinned) VALUES ('old service ' || ?1, ?1 % 2)";

/// The printed figure in ms, from `writes refused for N ms (…)`.
fn printed_refusal(line: &str) -> f64 {
    line.strip_prefix("writes refused for ")
        .and_then(|r| r.split(" ms").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no figure in {line:?}"))
}

#[test]
fn revert_reports_the_refusal_a_new_service_moving_to_the_old_database_felt() {
    let p = Project::empty("shop");
    case::create_old(&p.path("old.db"));
    p.write("schema.sql", case::SCHEMA);
    let agent = TestAgent::start(&p.dir, &[("shop", &p.path("old.db"), &p.path("new.db"))]);
    let mig = |args: &[&str]| {
        let mut all = as_who(&agent, "operator");
        all.extend(args.iter().map(|s| s.to_string()));
        p.mig(&all.iter().map(String::as_str).collect::<Vec<_>>())
    };
    mig(&["migrate", "--accept-data-loss"]).ok();
    mig(&["drain"]).ok();
    mig(&["cutover", "--revert-window", "1h"]).ok();
    case::snapshot(&p.path("old.db"), &p.path("new.db"), &p.dir);
    let (old, new) = (p.path("old.db"), p.path("new.db"));
    let spec = RevertWriterSpec {
        old: &old,
        new: &new,
        old_sql: OLD_WRITE,
        new_sql: NEW_WRITE,
    };
    let mut w = revert_writer::start(&p.dir, &spec);
    w.wait_for(Outcome::Ok, 200);
    let run = mig(&["revert"]).ok();
    let reported = printed_refusal(run.line_starting("writes refused for "));
    w.wait_for(Outcome::Ready, 1);
    w.wait_for(Outcome::Ok, w.log().count(Outcome::Ok) + 20);
    let log = w.stop();
    assert!(
        log.count(Outcome::Refused) >= 1,
        "the writer never saw the new database refuse: {log:?}"
    );
    assert_reported_matches(&log, reported);
    drop(agent);
    // The old service's rows written after the revert are not the new
    // database's: set aside before comparing.
    let conn = rusqlite::Connection::open(&old).expect("open old.db");
    let after = conn
        .execute("DELETE FROM Note WHERE Body LIKE 'old service %'", [])
        .expect("set the old service's rows aside");
    assert!(
        after >= 21,
        "the old service wrote {after} rows after the revert"
    );
    let compared = case::assert_old_is_inverse(&old, &new, &p.dir);
    assert!(compared > 1_500, "compared {compared} rows");
}
