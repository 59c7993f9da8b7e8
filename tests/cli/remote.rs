//! `--agent URL`: the same binary against an agent served over TCP on
//! `127.0.0.1:0` by the test. Database selection, detach and re-attach, and
//! job control, which only make sense with an agent that outlives `mig`.

use std::time::Duration;

use mig::config::DatabaseConfig;
use mig::engine::paths::DatabaseSpec;

use super::agent::TestAgent;
use super::harness::{Project, FAILED, USAGE};

const CANCELLED: i32 = 5;

pub fn database(name: &str, p: &Project) -> DatabaseConfig {
    DatabaseConfig::new(
        name,
        DatabaseSpec {
            old: Some(p.path("old.db")),
            new: Some(p.path("new.db")),
            project: None,
        },
    )
}

#[test]
fn remote_runbook_picks_the_only_database() {
    let p = Project::shop(50);
    let agent = TestAgent::plain(vec![database("shop", &p)]);
    let a = agent.url.as_str();
    p.mig(&["--agent", a, "plan"])
        .ok()
        .has_line("database: shop")
        .has_line("can migrate: yes");
    p.mig(&["--agent", a, "migrate", "--schema", "schema.sql"])
        .ok()
        .line_starting("copied ");
    p.mig(&["--agent", a, "--database", "shop", "status"])
        .ok()
        .has_line("marker status: recording")
        .has_line("migration status: migrating");
    p.mig(&["--agent", a, "cutover"])
        .fails(FAILED, "cutover failed: drain has not run: the old database is still recording writes; run `mig drain` first");
    p.mig(&[
        "--agent",
        a,
        "drain",
        "--freeze-limit-ms",
        "5000",
        "--on-timeout",
        "stop",
    ])
    .ok()
    .line_starting("drained: replayed ");
    p.mig(&["--agent", a, "cutover"]).ok();
    p.mig(&["--agent", a, "cleanup-old"])
        .ok()
        .has_line("previous marker status: retired");
    p.mig(&["--agent", a, "--database", "nope", "status"])
        .fails(FAILED, "status failed: ");
}

#[test]
fn several_databases_need_a_name() {
    let (p, q) = (Project::shop(5), Project::shop(5));
    let agent = TestAgent::plain(vec![database("a", &p), database("b", &q)]);
    let line = p
        .mig(&["--agent", &agent.url, "status"])
        .fails(USAGE, "status failed: ")
        .to_string();
    assert!(
        line.ends_with("serves several databases (a, b); pass --database NAME"),
        "{line}"
    );
    let run = p.mig(&["--agent", &agent.url, "databases"]).ok();
    run.has_line("a  not started").has_line("b  not started");
    let v: serde_json::Value = serde_json::from_str(
        &p.mig(&["--agent", &agent.url, "databases", "--json"])
            .ok()
            .stdout,
    )
    .expect("JSON");
    assert_eq!(v["databases"].as_array().map(Vec::len), Some(2));
}

#[test]
fn detached_migrate_is_followed_with_watch() {
    let p = Project::shop(100);
    let agent = TestAgent::plain(vec![database("shop", &p)]);
    let a = agent.url.as_str();
    let run = p.mig(&["--agent", a, "migrate", "--detach"]).ok();
    let line = run.line_starting("job ");
    let job = line.split_whitespace().nth(1).expect("job id").to_string();
    assert!(line.contains("mig watch --database shop --job"), "{line}");
    // Watch replays the held events from the start, to the terminal one.
    p.mig(&["--agent", a, "watch", "--job", &job])
        .ok()
        .line_starting("copied 425 rows in 4 tables in ");
}

#[test]
fn pause_resume_and_cancel_a_job_blocked_on_the_services_lock() {
    let p = Project::shop(20);
    let mut config = database("shop", &p);
    config.settings.busy_timeout = Duration::from_secs(120);
    let agent = TestAgent::plain(vec![config]);
    let a = agent.url.as_str();
    // The "service" holds the write lock: migrate waits before recording.
    let service = rusqlite::Connection::open(p.path("old.db")).expect("open");
    service.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let run = p.mig(&["--agent", a, "migrate", "--detach"]).ok();
    let job = run
        .line_starting("job ")
        .split_whitespace()
        .nth(1)
        .expect("job id")
        .to_string();
    // Status steers the operator to the job, not to `mig migrate` (which
    // the busy database would refuse).
    p.mig(&["--agent", a, "status"]).ok().has_line(&format!(
        "next: wait for migrate job {job} (`mig watch --database shop --job {job}`), or steer it with `mig pause` / `mig cancel`"
    ));
    p.mig(&["--agent", a, "pause"])
        .ok()
        .has_line(&format!("job {job} (migrate) on shop: paused"));
    p.mig(&["--agent", a, "status"]).ok().has_line(&format!(
        "next: migrate job {job} is paused: `mig resume` continues it, `mig cancel` stops it at its checkpoint"
    ));
    p.mig(&["--agent", a, "resume", "--job", &job])
        .ok()
        .has_line(&format!("job {job} (migrate) on shop: running"));
    p.mig(&["--agent", a, "cancel"]).ok().has_line(&format!(
        "cancel requested: the job stops at its next checkpoint, keeping what is committed (`mig watch --job {job}` shows the end)"
    ));
    service.execute_batch("ROLLBACK").expect("unlock");
    p.mig(&["--agent", a, "watch"])
        .fails(CANCELLED, "watch failed: cancelled");
}

#[test]
fn throttle_and_unthrottle_through_an_agent_show_in_status_and_need_an_agent() {
    let p = Project::shop(50);
    p.mig(&["throttle", "--rows-per-sec", "500"])
        .fails(USAGE, "throttle failed: throttle needs --agent");
    p.mig(&["unthrottle"])
        .fails(USAGE, "unthrottle failed: unthrottle needs --agent");
    let agent = TestAgent::plain(vec![database("shop", &p)]);
    let a = agent.url.as_str();
    p.mig(&["--agent", a, "throttle", "--rows-per-sec", "0"])
        .fails(USAGE, "mig: invalid value '0' for '--rows-per-sec <N>'");
    p.mig(&["--agent", a, "throttle", "--rows-per-sec", "500"])
        .ok()
        .line_starting("throttle: capped at 500 rows/s; automatic, not backing off");
    p.mig(&["--agent", a, "migrate", "--schema", "schema.sql"])
        .ok()
        .line_starting("copied ");
    // The cap stays until unthrottle, and status shows it while recording.
    p.mig(&["--agent", a, "status"])
        .ok()
        .line_starting("throttle: capped at 500 rows/s");
    p.mig(&["--agent", a, "unthrottle"])
        .ok()
        .line_starting("throttle: automatic");
    let status = p.mig(&["--agent", a, "status"]).ok();
    assert!(
        !status.line_starting("throttle: ").contains("capped"),
        "unthrottle left the cap in place"
    );
}

/// An agent.toml whose `old` has a typo: `status` fails in one line naming
/// the missing file and the path to check (it said "run `mig plan`, then
/// `mig migrate`", which then failed; then "not started" with exit 0),
/// through the agent and locally.
#[test]
fn status_of_a_missing_old_database_says_to_check_its_path_not_to_plan() {
    let p = Project::shop(10);
    let typo = DatabaseConfig::new(
        "shop",
        DatabaseSpec {
            old: Some(p.path("olde.db")),
            new: Some(p.path("new.db")),
            project: None,
        },
    );
    let agent = TestAgent::plain(vec![typo]);
    let expected = format!(
        "status failed: old database {} does not exist; check the path",
        p.path("olde.db").display()
    );
    p.mig(&["--agent", agent.url.as_str(), "status"])
        .fails(FAILED, &expected);
    p.mig(&["status", "--old", "olde.db", "--new", "new.db"])
        .fails(
            FAILED,
            "status failed: old database olde.db does not exist; check the path",
        );
}
