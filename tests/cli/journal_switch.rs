//! The old database switched out of WAL after `migrate`, as a maintenance
//! window does (the service and the agent stopped, a backup script runs
//! `PRAGMA journal_mode=DELETE` so a plain copy of the file is whole, both
//! restarted). In rollback-journal mode every read drain makes (catch-up,
//! verify) holds off the service's commits, which `migrate` refuses without
//! `--allow-rollback-journal`; drain took it silently, and a writer beside
//! it saw waits of hundreds of milliseconds. Now `status` warns with the
//! command that switches it back, `drain` refuses in one line and leaves
//! writes flowing; back in WAL the runbook finishes equal to the oracle.
//! An agent whose database allows the rollback journal
//! (`allow_rollback_journal = true`) drains it, so its status does not warn.

use std::time::Duration;

use crate::support::agent::{Setup, TestAgent};
use crate::support::oracle;
use crate::support::writer_process::{Outcome, WriterProcess, WriterSpec};

use super::harness::{Project, FAILED};
use super::real_agent::operator_on;

/// The service; `run` tells its restarts' rows apart.
fn writer(p: &Project, run: &str) -> WriterProcess {
    let sql = format!("INSERT INTO Tag(OrderId, Label, Weight) VALUES (1, '{run}-' || ?1, 1.0)");
    let mut w = WriterProcess::start(
        &p.dir,
        &WriterSpec {
            old: &p.path("old.db"),
            new: &p.path("new.db"),
            sql: &sql,
            pace: Duration::from_millis(2),
        },
    );
    w.wait_for(Outcome::Ok, 5);
    w
}

fn journal_mode(p: &Project) -> String {
    rusqlite::Connection::open(p.path("old.db"))
        .and_then(|c| c.query_row("PRAGMA journal_mode", [], |r| r.get(0)))
        .expect("journal mode")
}

/// With the service and the agent stopped, sets the old journal mode, then
/// restarts the agent and the service.
fn maintenance(
    p: &Project,
    agent: &mut TestAgent,
    old_writer: WriterProcess,
    mode: &str,
) -> WriterProcess {
    old_writer.stop();
    agent.terminate();
    p.sql("old.db", &format!("PRAGMA journal_mode = {mode}"));
    assert_eq!(journal_mode(p), mode.to_lowercase());
    agent.spawn();
    writer(p, mode)
}

#[test]
fn old_database_switched_out_of_wal_after_migrate_is_warned_and_refused_by_drain_until_switched_back(
) {
    let p = Project::shop(1_500);
    let mut agent = TestAgent::start(&p.dir, &[("shop", &p.path("old.db"), &p.path("new.db"))]);
    let w = writer(&p, "first");
    operator_on(&agent, "shop", p.dir.clone())(&["migrate", "--schema", "schema.sql"]).ok();
    let mut w = maintenance(&p, &mut agent, w, "DELETE");
    let mig = operator_on(&agent, "shop", p.dir.clone());

    let status = mig(&["status"]).ok();
    let warning = status.line_starting("warning: the old database uses journal_mode=delete");
    assert!(warning.contains("'PRAGMA journal_mode=WAL'"), "{status:#?}");
    let run = mig(&["drain"]);
    let line = run.fails(FAILED, "drain failed: the old database ");
    assert!(
        line.contains("uses journal_mode=delete") && line.contains("--allow-rollback-journal"),
        "{line}"
    );
    // Refused before anything froze: the service still writes.
    let ok = w.log().count(Outcome::Ok);
    w.wait_for(Outcome::Ok, ok + 20);
    assert_eq!(
        w.log().count(Outcome::Refused),
        0,
        "a refused drain refused writes"
    );

    // The way out the message names.
    let w = maintenance(&p, &mut agent, w, "WAL");
    let mig = operator_on(&agent, "shop", p.dir.clone());
    let status = mig(&["status"]).ok();
    assert!(!status.stdout.contains("journal_mode"), "{status:#?}");
    mig(&["drain", "--cutover"]).ok();
    let log = w.stop();
    assert!(log.count(Outcome::Ok) >= 5, "the writer never wrote");
    assert!(oracle::assert_matches(&p.path("old.db"), &p.path("new.db")) > 3_000);
}

/// Regression: status warned that drain would refuse the rollback journal
/// on an agent that allows it.
#[test]
fn status_does_not_warn_of_a_rollback_journal_the_agents_database_allows() {
    let p = Project::shop(1_500);
    let setup = Setup {
        per_database: "allow_rollback_journal = true\n".into(),
        ..Setup::default()
    };
    let dbs = [("shop", p.path("old.db"), p.path("new.db"))];
    let dbs: Vec<_> = dbs
        .iter()
        .map(|(n, o, w)| (*n, o.as_path(), w.as_path()))
        .collect();
    let mut agent = TestAgent::start_with(&p.dir, &dbs, setup);
    let w = writer(&p, "first");
    operator_on(&agent, "shop", p.dir.clone())(&["migrate", "--schema", "schema.sql"]).ok();
    let w = maintenance(&p, &mut agent, w, "DELETE");
    let mig = operator_on(&agent, "shop", p.dir.clone());

    let status = mig(&["status"]).ok();
    assert!(
        status.stdout.contains("migrating") || status.stdout.contains("recording"),
        "{status:#?}"
    );
    assert!(!status.stdout.contains("journal_mode"), "{status:#?}");
    // What status implies: this agent's drain takes it.
    mig(&["drain", "--cutover"]).ok();
    let log = w.stop();
    assert!(log.count(Outcome::Ok) >= 5, "the writer never wrote");
    assert!(oracle::assert_matches(&p.path("old.db"), &p.path("new.db")) > 3_000);
}
