//! A completed runbook step run again, as an operator does after a lost
//! terminal: it says the step is already done, exits 0 and changes nothing
//! in either file — every step, the same way (`migrate`, `drain`,
//! `cutover`, `finalize`, `cleanup-old`, `release-old`, `revert`). A step
//! asked for something it can no longer do (`drain --cutover` after a
//! drain) is refused, naming the command to run. A job refused at its start
//! prints only the refusal, with no "started" line before it.

use std::path::Path;
use std::time::Duration;

use crate::support::revert_case;
use crate::support::writer_process::{Outcome, WriterProcess, WriterSpec};

use super::agent::TestAgent;
use super::harness::{Project, Run, FAILED};
use super::remote::database;

const FILES: [&str; 4] = ["--old", "old.db", "--new", "new.db"];

fn with_files<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend_from_slice(&FILES);
    v
}

/// What each file of the pair holds, as SQLite reads it (bytes would
/// differ when a read checkpoints the WAL, which changes no content).
fn contents(p: &Project) -> Vec<(String, Vec<String>)> {
    ["old.db", "new.db"]
        .iter()
        .filter(|f| p.path(f).exists())
        .map(|f| (f.to_string(), dump(&p.path(f))))
        .collect()
}

/// The catalog and every row of every table, mig's own included, as text.
pub(super) fn dump(path: &Path) -> Vec<String> {
    let c = rusqlite::Connection::open(path).expect("open");
    let objects: Vec<(String, String, String)> = c
        .prepare("SELECT type, name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .expect("catalog");
    let mut out = Vec::new();
    for (kind, name, sql) in objects {
        out.push(format!("{kind} {name} {sql}"));
        if kind != "table" {
            continue;
        }
        let mut stmt = c
            .prepare(&format!("SELECT * FROM \"{name}\""))
            .expect("rows");
        let width = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                (0..width)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(|v| format!("{name}: {}", v.join("|")))
            })
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("rows");
        rows.sort();
        out.extend(rows);
    }
    out
}

/// Old database and schema of the revert case (every column revertible).
fn revertible() -> Project {
    let p = Project::empty("shop");
    revert_case::create_old(&p.path("old.db"));
    p.write("schema.sql", revert_case::SCHEMA);
    p
}

/// Runs `args` again after the step completed: exit 0, the one line saying
/// it is already done, and no change to either file.
fn again(p: &Project, args: &[&str], says: &str) -> Run {
    let before = contents(p);
    let run = p.mig(args).ok();
    assert!(
        run.stdout
            .lines()
            .any(|l| l.contains(says) && l.contains("nothing to do")),
        "`mig {}` did not say `{says}`: {run:#?}",
        args.join(" ")
    );
    assert!(!run.stdout.contains("started"), "{run:#?}");
    assert_eq!(
        contents(p),
        before,
        "`mig {}` run again changed a file",
        args.join(" ")
    );
    run
}

#[test]
fn every_completed_step_run_again_says_already_done_exits_0_and_changes_nothing() {
    let p = revertible();
    let migrate = with_files(&["migrate", "--schema", "schema.sql", "--accept-data-loss"]);
    p.mig(&migrate).ok();
    again(&p, &migrate, "the copy into new.db is already complete");

    p.mig(&with_files(&["drain"])).ok();
    again(&p, &with_files(&["drain"]), "new.db is already drained");
    again(&p, &migrate, "the copy into new.db is already complete");
    // After a drain, `drain --cutover` finishes it: the cutover alone, not
    // a second drain (which would let writes through and freeze anew).
    let cutover = with_files(&["drain", "--cutover", "--revert-window", "1h"]);
    p.mig(&cutover)
        .ok()
        .has_line("already drained by an earlier drain: this one only cut over");
    again(&p, &cutover, "new.db is already drained and cut over");
    again(
        &p,
        &with_files(&["cutover", "--revert-window", "1h"]),
        "new.db is already drained and cut over",
    );
    again(
        &p,
        &with_files(&["drain"]),
        "new.db is already drained and cut over",
    );
    again(&p, &migrate, "new.db is already migrated and cut over");

    p.mig(&with_files(&["finalize"])).ok();
    again(&p, &with_files(&["finalize"]), "is already closed");

    p.mig(&with_files(&["cleanup-old"])).ok();
    let json = again(
        &p,
        &with_files(&["cleanup-old", "--json"]),
        "is already cleaned up",
    );
    let doc: serde_json::Value = serde_json::from_str(json.stdout.trim()).expect("json");
    assert_eq!(doc["alreadyDone"], true, "{json:#?}");

    // A release after the cleanup drops the guard, no recording trigger
    // (it said "dropped recording triggers: 6", counting the guard).
    let released = p.mig(&with_files(&["release-old", "--yes"])).ok();
    released.has_line("dropped recording triggers: 0");
    let guards = released.line_starting("old database released: it accepts writes again (");
    assert!(
        guards.ends_with(" guard triggers dropped)") && !guards.contains("(0 "),
        "{released:#?}"
    );
    again(
        &p,
        &with_files(&["release-old", "--yes"]),
        "is already released",
    );
    again(
        &p,
        &with_files(&["cleanup-old"]),
        "already cleaned up and released",
    );
    // The old file alone (it exited 1, "verify the command order"): nothing
    // in it is left to clean up.
    again(
        &p,
        &["cleanup-old", "--old", "old.db"],
        "has no migration tables and no guard triggers (cleaned up and released already, or never migrated): nothing to clean up",
    );
    again(
        &p,
        &["release-old", "--yes", "--old", "old.db"],
        "has no guard or migration tables and accepts writes (released already, or never migrated)",
    );
}

#[test]
fn a_revert_run_again_says_already_reverted_through_an_agent() {
    let p = revertible();
    let agent = TestAgent::plain(vec![database("shop", &p)]);
    let a = agent.url.as_str();
    p.mig(&[
        "--agent",
        a,
        "migrate",
        "--schema",
        "schema.sql",
        "--accept-data-loss",
    ])
    .ok();
    p.mig(&["--agent", a, "drain", "--cutover", "--revert-window", "1h"])
        .ok();
    p.mig(&["--agent", a, "revert"]).ok();
    again(&p, &["--agent", a, "revert"], "is already reverted");
}

/// The bug: a second `drain` took the completed drain for an interrupted
/// one, let the service's writes through on the old database again and
/// froze anew, so `writes refused for` restarted from zero.
#[test]
fn a_drain_run_again_keeps_the_old_database_refusing_a_writer_process() {
    let p = Project::shop(40);
    p.mig(&with_files(&["migrate", "--schema", "schema.sql"]))
        .ok();
    p.mig(&with_files(&["drain"])).ok();
    let mut writer = WriterProcess::start(
        &p.dir,
        &WriterSpec {
            old: &p.path("old.db"),
            new: &p.path("new.db"),
            sql: "INSERT INTO Tag(OrderId, Label, Weight) VALUES (1, 'w' || ?1, 1.0)",
            pace: Duration::from_millis(2),
        },
    );
    writer.wait_for(Outcome::Refused, 3);
    again(&p, &with_files(&["drain"]), "new.db is already drained");
    writer.wait_for(Outcome::Refused, writer.log().count(Outcome::Refused) + 3);
    let log = writer.stop();
    assert_eq!(
        log.count(Outcome::Ok),
        0,
        "the old database took a write after the drain"
    );
}

#[test]
fn a_job_refused_at_its_start_prints_only_the_refusal() {
    let p = Project::shop(20);
    // Out of order: nothing migrated yet.
    let run = p.mig(&with_files(&["drain"]));
    run.fails(FAILED, "drain failed: ");
    assert!(!run.stdout.contains("started"), "{run:#?}");
    let agent = TestAgent::plain(vec![database("shop", &p)]);
    let a = agent.url.as_str();
    for args in [
        &["--agent", a, "drain"][..],
        &["--agent", a, "verify"],
        &["--agent", a, "revert"],
        // Detached too: the agent streams the refusal, not a bare start.
        &["--agent", a, "drain", "--detach"],
        &["--agent", a, "verify", "--detach"],
    ] {
        let run = p.mig(args);
        run.fails(FAILED, "");
        assert!(!run.stdout.contains("started"), "{run:#?}");
    }
    // A job that starts still says so, detached or not.
    let run = p.mig(&[
        "--agent",
        a,
        "migrate",
        "--schema",
        "schema.sql",
        "--detach",
    ]);
    let out = run.ok().stdout.clone();
    assert!(out.contains("started on shop"), "{out}");
    let job = out
        .lines()
        .find(|l| l.starts_with("job "))
        .and_then(|l| l.split_whitespace().nth(1))
        .expect("job id")
        .to_string();
    p.mig(&["--agent", a, "watch", "--job", &job]).ok();
}

/// A cutover run again asking for a revert window the first one did not
/// open is not "already done": that window does not exist and cannot be
/// opened any more, so it is refused (it said "already done", exit 0).
#[test]
fn a_cutover_run_again_with_a_revert_window_it_never_opened_is_refused() {
    let p = revertible();
    p.mig(&with_files(&[
        "migrate",
        "--schema",
        "schema.sql",
        "--accept-data-loss",
    ]))
    .ok();
    p.mig(&with_files(&["drain", "--cutover"])).ok();
    let before = contents(&p);
    for args in [
        with_files(&["cutover", "--revert-window", "1h"]),
        with_files(&["drain", "--cutover", "--revert-window", "1h"]),
    ] {
        let run = p.mig(&args);
        let line = run.fails(FAILED, "");
        assert!(
            line.contains("new.db is already cut over without a revert window"),
            "{line}"
        );
    }
    assert_eq!(contents(&p), before);
    again(
        &p,
        &with_files(&["cutover"]),
        "already drained and cut over",
    );
}
