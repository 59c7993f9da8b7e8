//! The write outage as the service sees it (issue 12). A writer in its own
//! process (`support::writer_process`) records every refused and accepted
//! write while mig drains: the refusal mig reports contains the writer's
//! refusals and is no longer than the gap between its accepted writes.
//! What drain must catch — a row merged by a new UNIQUE, a NULL key, a
//! dangling reference — is still caught when written into the freeze's
//! tail, with nothing read over the whole database inside the freeze; a
//! freeze over its limit lets the writer write again. Each test ends with
//! the oracle.

use std::path::{Path, PathBuf};
use std::time::Duration;

use mig::engine::open::Busy;
use mig::engine::ops::{self, AfterDrain, DrainOptions, MigrateOptions, TimeoutPolicy};
use mig::engine::paths::DatabaseSpec;
use mig::engine::schema::SchemaFile;
use mig::engine::state::Phase;
use mig::engine::status;
use mig::engine::{EngineError, Event};
use rusqlite::Connection;

use crate::cli::harness::Project;
use crate::support::runbook::{run, run_with, spec};
use crate::support::writer_process::{Outcome, WriterLog, WriterProcess, WriterSpec};
use crate::support::{fixture, oracle};

/// The service's write: a new order of one of the first 50 customers.
const WRITE: &str = "INSERT INTO Orders(CustomerId, ProductCode, Qty, Note) VALUES (1 + ?1 % 50, 'P-00001', ?1 % 9, 'writer')";

/// Clock readings on both sides (the writer's wall clock in µs, mig's
/// monotonic clock) may disagree by this much: not a speed allowance.
const CLOCKS_MS: f64 = 2.0;

/// How far mig's figure may fall short of the outage the writer felt while
/// running: 20% or this much. The goal (10% or 5 ms) is judged by
/// the outage benchmark's medians (its writer keeps SQLite's default busy
/// handler); this writer retries every 0.1 ms, but inside a loaded
/// `cargo test` it can still be descheduled mid-write for ~10 ms. The old
/// side's settle under its own lock, which this catches, cost 15–55 ms.
const AGREE_MS: f64 = 12.0;

pub(crate) fn writer(dir: &Path, old: &Path, new: &Path) -> WriterProcess {
    let mut w = WriterProcess::start(
        dir,
        &WriterSpec {
            old,
            new,
            sql: WRITE,
            pace: Duration::from_micros(100),
        },
    );
    w.wait_for(Outcome::Ok, 20);
    w
}

/// `reported` contains every refusal the writer saw, falls short of the
/// outage the writer felt (from its first write that did not succeed to
/// readiness seen, waits on the old database's lock included; the time its
/// process was not running between attempts left out) by at most
/// [`AGREE_MS`] or 20%, plus what the writer's readiness check costs on
/// its own once the new database is ready (measured right after by the
/// writer: at 1,000 tables on a loaded machine, opening the new database
/// and parsing its schema took ~30 ms; a check slowed by anything mig
/// still held would take longer than that and count against mig), and is no longer than the gap between the
/// writer's accepted writes around it. (A writer descheduled through part
/// of the outage feels less than there was; the gap is the bound then.)
pub(crate) fn assert_reported_matches(log: &WriterLog, reported: f64) {
    let outage = *log
        .outages()
        .last()
        .unwrap_or_else(|| panic!("the writer never saw the new database ready: {log:?}"));
    let check = log.readiness_check_ms();
    eprintln!(
        "reported {reported:.2} ms; the writer: felt {:.2} ms ({:.2} ms of it not running; its readiness check alone takes {check:.2} ms), refused for {:.2} ms ({} refusals), accepted writes {:.2} ms apart",
        outage.felt_ms(),
        outage.felt_ms() - outage.active_ms(),
        outage.refused_ms(),
        log.count(Outcome::Refused),
        outage.gap_ms()
    );
    let agree = (0.2 * outage.active_ms()).max(AGREE_MS) + check;
    assert!(
        outage.active_ms() - reported <= agree,
        "mig reported {reported:.2} ms, the writer felt {:.2} ms while running (allowed: {agree:.1} ms short)",
        outage.active_ms()
    );
    assert!(
        outage.refused_ms() <= reported + CLOCKS_MS,
        "the writer was refused for {:.2} ms, mig reported {reported:.2} ms",
        outage.refused_ms()
    );
    // mig's figure ends at the old side's settle commit, which follows the
    // new side's ready commit: a writer that waits for ready on the new
    // database (not on the old one's lock) sees its end up to a few ms
    // sooner (6 ms at 1,000 tables once). Over by no more than the same
    // allowance as short.
    assert!(
        reported <= outage.gap_ms() + AGREE_MS,
        "mig reported {reported:.2} ms, the writer's accepted writes were {:.2} ms apart",
        outage.gap_ms()
    );
}

pub(crate) fn files<'a>(cmd: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![cmd, "--old", "old.db", "--new", "new.db"];
    v.extend_from_slice(extra);
    v
}

/// The completed drain's summary from `mig drain --json`'s event lines.
pub(crate) fn drain_summary(stdout: &str) -> serde_json::Value {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find_map(|e| e.get("completed")?.get("drain").cloned())
        .unwrap_or_else(|| panic!("no completed drain in:\n{stdout}"))
}

/// With a writer process running `sql` on `p`'s old database (then on the
/// new one once ready), `mig drain --cutover --revert-window 30m --json`:
/// the writer's log and the drain's summary.
pub(crate) fn drain_cutover_beside(p: &Project, sql: &str) -> (WriterLog, serde_json::Value) {
    let (old, new) = (p.path("old.db"), p.path("new.db"));
    let mut w = WriterProcess::start(
        &p.dir,
        &WriterSpec {
            old: &old,
            new: &new,
            sql,
            pace: Duration::from_micros(100),
        },
    );
    w.wait_for(Outcome::Ok, 20);
    let args = ["--cutover", "--revert-window", "30m", "--json"];
    let run = p.mig(&files("drain", &args)).ok();
    let summary = drain_summary(&run.stdout);
    w.wait_for(Outcome::Ready, 1);
    (w.stop(), summary)
}

pub(crate) fn migrated_project(rows: i64) -> Project {
    let p = Project::shop(rows);
    p.mig(&files("migrate", &["--schema", "schema.sql"])).ok();
    p
}

#[test]
fn drain_cutover_reports_the_refusal_a_writer_process_saw() {
    let p = migrated_project(300);
    let (old, new) = (p.path("old.db"), p.path("new.db"));
    let mut w = writer(&p.dir, &old, &new);
    let run = p.mig(&files("drain", &["--cutover", "--json"])).ok();
    let summary = drain_summary(&run.stdout);
    w.wait_for(Outcome::Ready, 1);
    let log = w.stop();
    let reported = summary["refusedMs"].as_f64().expect("refusedMs");
    let freeze = summary["freezeMs"].as_f64().expect("freezeMs");
    assert!(
        freeze <= reported,
        "freeze {freeze} ms within the refusal {reported} ms"
    );
    assert!(summary["cutover"]["newPath"].is_string(), "{summary}");
    assert_reported_matches(&log, reported);
    oracle::assert_matches(&old, &new);
}

/// With a revert window the old side becomes a standby inside the freeze
/// (its revert maps seeded before it, only the tail's rows under the
/// lock): the refusal mig reports still contains what the writer felt.
#[test]
fn drain_cutover_with_a_revert_window_reports_the_refusal_a_writer_process_saw() {
    let p = Project::empty("window");
    crate::support::revert_case::create_old(&p.path("old.db"));
    p.write("schema.sql", crate::support::revert_case::SCHEMA);
    p.mig(&files(
        "migrate",
        &["--schema", "schema.sql", "--accept-data-loss"],
    ))
    .ok();
    let old = p.path("old.db");
    let (log, summary) =
        drain_cutover_beside(&p, "INSERT INTO Note(Body) VALUES ('writer ' || ?1)");
    let reported = summary["refusedMs"].as_f64().expect("refusedMs");
    assert!(
        summary["cutover"]["revertWindowClosesAt"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "a window is open: {summary}"
    );
    assert_reported_matches(&log, reported);
    let maps = crate::support::runbook::mig_objects(&old);
    assert!(
        maps.iter().any(|n| n == "_mig_revert_map_Product"),
        "the renumbered table's revert map is on the old database: {maps:?}"
    );
    assert!(
        !maps.iter().any(|n| n == "_mig_revert_seeded"),
        "the seeding note is gone once the window opened: {maps:?}"
    );
}

#[test]
fn drain_then_cutover_reports_the_refusal_a_writer_process_saw() {
    let p = migrated_project(300);
    let (old, new) = (p.path("old.db"), p.path("new.db"));
    let mut w = writer(&p.dir, &old, &new);
    let drained = p.mig(&files("drain", &[])).ok();
    drained.line_starting("writes refused for ");
    w.wait_for(Outcome::Refused, 1);
    p.mig(&files("status", &[]))
        .ok()
        .line_starting("writes refused for: ");
    let run = p.mig(&["cutover", "--new", "new.db", "--json"]).ok();
    let report: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("JSON");
    w.wait_for(Outcome::Ready, 1);
    let log = w.stop();
    let reported = report["writesRefusedMs"].as_f64().expect("writesRefusedMs");
    assert_reported_matches(&log, reported);
    oracle::assert_matches(&old, &new);
}

/// The shop fixture with `customer.email` UNIQUE: a duplicate under
/// `lower(Email)` would merge two customers.
fn unique_email_schema() -> String {
    fixture::NEW_SCHEMA.replace("email TEXT, photo BLOB", "email TEXT UNIQUE, photo BLOB")
}

/// Whether a drain holds its freeze open for the writer process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hold {
    No,
    UntilTheWriterIsRefused,
}

/// The shop fixture migrated to `schema`, a writer process on it.
struct Live {
    _dir: tempfile::TempDir,
    old: PathBuf,
    new: PathBuf,
    spec: DatabaseSpec,
    writer: WriterProcess,
}

fn live(schema: &str) -> Live {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    drop(fixture::create_old(&old, 300));
    let schema = SchemaFile::parse("schema.sql", schema).expect("schema");
    let spec = spec(&old, &new);
    run(|ctx| ops::migrate(&spec, &schema, &MigrateOptions::default(), ctx)).expect("migrate");
    let writer = writer(dir.path(), &old, &new);
    Live {
        _dir: dir,
        old,
        new,
        spec,
        writer,
    }
}

impl Live {
    /// Drains with `opts`, running `sql` on the service's own connection
    /// right before writes are refused: the tail the freeze replays.
    fn drain_with_tail(
        &self,
        opts: &DrainOptions,
        sql: &str,
    ) -> Result<ops::DrainSummary, EngineError> {
        self.drain_holding(opts, sql, Hold::No)
    }

    /// [`Self::drain_with_tail`]; with [`Hold::UntilTheWriterIsRefused`],
    /// the freeze's first replay batch waits until the writer process has
    /// seen a refusal (however the machine schedules it).
    fn drain_holding(
        &self,
        opts: &DrainOptions,
        sql: &str,
        hold: Hold,
    ) -> Result<ops::DrainSummary, EngineError> {
        let service = Connection::open(&self.old).expect("service connection");
        service
            .pragma_update(None, "foreign_keys", false)
            .expect("like the service: no foreign-key enforcement");
        let mut frozen = false;
        run_with(
            move |e| match e {
                Event::Step { step: "freeze", .. } => {
                    service.execute_batch(sql).expect("the tail's write");
                    frozen = true;
                }
                Event::Replay { .. } if frozen && hold == Hold::UntilTheWriterIsRefused => {
                    let deadline = std::time::Instant::now() + Duration::from_secs(30);
                    while self.writer.log().count(Outcome::Refused) == 0 {
                        assert!(
                            std::time::Instant::now() < deadline,
                            "the writer was never refused"
                        );
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
                _ => {}
            },
            |ctx| ops::drain(&self.spec, opts, ctx),
        )
    }

    /// Writes flow again after a failed drain: the old database records,
    /// and the writer commits again.
    fn writes_flow_again(&mut self) {
        let st = status::status(&self.spec, Busy::default()).expect("status");
        assert_eq!(st.phase, Phase::Recording, "{st:?}");
        let before = self.writer.log().count(Outcome::Ok);
        self.writer.wait_for(Outcome::Ok, before + 10);
    }

    /// Cuts over in the drain and compares with the oracle.
    fn finish(self) {
        let opts = DrainOptions {
            then: AfterDrain::Cutover {
                revert_window_secs: 0,
            },
            ..DrainOptions::default()
        };
        let summary = run(|ctx| ops::drain(&self.spec, &opts, ctx)).expect("drain --cutover");
        assert!(summary.cutover.is_some());
        let mut w = self.writer;
        w.wait_for(Outcome::Ready, 1);
        w.stop();
        oracle::assert_matches(&self.old, &self.new);
    }
}

#[test]
fn row_merged_by_a_new_unique_in_the_freezes_tail_fails_the_drain_and_writes_flow_again() {
    let mut l = live(&unique_email_schema());
    let err = l
        .drain_with_tail(
            &DrainOptions::default(),
            "INSERT INTO Customer(FirstName, LastName, Email) VALUES ('Dup', 'Licate', 'USER1@EXAMPLE.COM')",
        )
        .expect_err("the tail would merge customer 1 away");
    assert!(matches!(err, EngineError::Verification(_)), "{err}");
    assert!(
        err.to_string()
            .contains("the row(s) of customer with key 1 would be lost"),
        "{err}"
    );
    l.writes_flow_again();
    Connection::open(&l.old)
        .and_then(|c| c.execute("DELETE FROM Customer WHERE FirstName = 'Dup'", []))
        .expect("the operator removes the duplicate");
    l.finish();
}

#[test]
fn null_key_written_in_the_freezes_tail_fails_the_drain_and_writes_flow_again() {
    let mut l = live(fixture::NEW_SCHEMA);
    let err = l
        .drain_with_tail(
            &DrainOptions::default(),
            "INSERT INTO Product VALUES (NULL, 'keyless', 1.0)",
        )
        .expect_err("a NULL key cannot be replayed");
    assert!(
        err.to_string()
            .contains("old table Product has 1 row(s) whose PRIMARY KEY (Code) is NULL"),
        "{err}"
    );
    l.writes_flow_again();
    Connection::open(&l.old)
        .and_then(|c| c.execute("UPDATE Product SET Code = 'P-KEYED' WHERE Code IS NULL", []))
        .expect("the operator gives the row a key");
    l.finish();
}

#[test]
fn dangling_reference_written_in_the_freezes_tail_is_reported() {
    let l = live(fixture::NEW_SCHEMA);
    let summary = l
        .drain_with_tail(
            &DrainOptions::default(),
            "INSERT INTO Orders(CustomerId, ProductCode, Qty) VALUES (999999, 'P-00001', 1)",
        )
        .expect("drain");
    assert_eq!(
        summary.warnings,
        vec!["1 row(s) of \"orders\" in the new database reference a missing parent (foreign key); fix them before the new service enables foreign keys".to_string()]
    );
    l.finish();
}

#[test]
fn freeze_over_its_limit_lets_the_writer_process_write_again() {
    let mut l = live(fixture::NEW_SCHEMA);
    // A tail of more entries than one replay batch cannot be replayed in
    // 50 ms: the attempt gives up and writes flow again.
    let bulk = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {}) \
         INSERT INTO Tag(OrderId, Label, Weight) SELECT 100000 + i, 'bulk', i FROM n",
        2 * mig::engine::replay::BATCH
    );
    let opts = DrainOptions {
        freeze_limit: Duration::from_millis(50),
        policy: TimeoutPolicy::Stop,
        ..DrainOptions::default()
    };
    let err = l
        .drain_holding(&opts, &bulk, Hold::UntilTheWriterIsRefused)
        .expect_err("the tail outlasts the freeze limit");
    assert!(matches!(err, EngineError::FreezeTimeout(_)), "{err}");
    assert!(err.to_string().contains("accepts writes again"), "{err}");
    l.writes_flow_again();
    // The writer saw the attempt's refusal end with writes accepted again.
    let log = l.writer.log();
    let outage = *log
        .outages()
        .first()
        .unwrap_or_else(|| panic!("the writer saw no refusal: {log:?}"));
    assert!(outage.refused_ms() > 0.0, "{outage:?}");
    assert!(
        log.attempts
            .iter()
            .any(|&(_, t, o)| o == Outcome::Ok && t == outage.back),
        "accepted again after {outage:?}"
    );
    l.finish();
}

/// The health service's `mig.db.<name>` goes `SERVING` the moment a
/// cutover commits — from a drain with `cutover`, and from the cutover
/// step — pushed to a `Watch` that is already open. The agent polls no
/// phase after its first round here (`MIG_SUPERVISE_INTERVAL_MS`), so only
/// the push can deliver it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_watch_sees_serving_when_cutover_commits() {
    use mig::proto as pb;
    use tokio_stream::StreamExt;
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::HealthCheckRequest;

    let dir = tempfile::tempdir().expect("tempdir");
    let files: Vec<(PathBuf, PathBuf)> = ["a", "b"]
        .iter()
        .map(|n| {
            (
                dir.path().join(format!("{n}-old.db")),
                dir.path().join(format!("{n}-new.db")),
            )
        })
        .collect();
    for (old, _) in &files {
        drop(fixture::create_old(old, 50));
    }
    let mut agent = crate::support::agent::TestAgent::start(
        dir.path(),
        &[
            ("a", &files[0].0, &files[0].1),
            ("b", &files[1].0, &files[1].1),
        ],
    );
    agent.kill();
    agent.spawn_with_env(&[("MIG_SUPERVISE_INTERVAL_MS", "3600000")]);
    let mut op = agent.client(Some("operator"));
    let mut health = HealthClient::new(agent.channel(&agent.certs, Some("viewer")));
    let finish = |mut s: tonic::Streaming<pb::JobEvent>| async move {
        let mut last = None;
        while let Some(e) = s.next().await {
            last = e.expect("event").event;
        }
        last
    };
    for (db, then_cutover_step) in [("a", false), ("b", true)] {
        let migrate = op
            .migrate(pb::MigrateRequest {
                database: db.into(),
                schema: Some(pb::SchemaSource {
                    file_name: "schema.sql".into(),
                    sql: fixture::NEW_SCHEMA.into(),
                }),
                ..Default::default()
            })
            .await
            .expect("migrate")
            .into_inner();
        assert!(matches!(
            finish(migrate).await,
            Some(pb::job_event::Event::Completed(_))
        ));
        let mut watch = health
            .watch(HealthCheckRequest {
                service: format!("mig.db.{db}"),
            })
            .await
            .expect("health watch")
            .into_inner();
        let first = watch.next().await.expect("a first status").expect("status");
        assert_eq!(first.status(), ServingStatus::NotServing);
        let drain = op
            .drain(pb::DrainRequest {
                database: db.into(),
                cutover: !then_cutover_step,
                ..Default::default()
            })
            .await
            .expect("drain")
            .into_inner();
        let done = finish(drain).await;
        let Some(pb::job_event::Event::Completed(c)) = done else {
            panic!("drain of {db}: {done:?}");
        };
        let Some(pb::job_completed::Summary::Drain(d)) = c.summary else {
            panic!("no drain summary");
        };
        assert_eq!(d.cutover.is_some(), !then_cutover_step);
        if then_cutover_step {
            op.cutover(pb::CutoverRequest {
                database: db.into(),
                ..Default::default()
            })
            .await
            .expect("cutover");
        }
        // A deadline against hanging, not a wait for time: the push arrives
        // in milliseconds, and nothing else would ever send it.
        let next = tokio::time::timeout(Duration::from_secs(60), watch.next())
            .await
            .unwrap_or_else(|_| panic!("{db}: no status pushed at cutover"))
            .expect("a pushed status")
            .expect("status");
        assert_eq!(next.status(), ServingStatus::Serving, "{db}");
    }
    for (old, new) in &files {
        oracle::assert_matches(old, new);
    }
}
