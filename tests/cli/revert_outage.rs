//! Revert's "writes refused for" figure, checked from outside: the new
//! service, a writer in its own process, writes to the new database
//! through a real agent's revert; refused there, it moves to the old
//! database once the refusal says the new one was reverted, as the message
//! tells it to. From its first write the new database did not take to that
//! refusal is the outage it felt: mig's printed figure
//! agrees with it within the drain outage check's bounds
//! (`outage::assert_reported_matches`). The old database ends equal to the
//! hand-written inverse of the new one (the writer's rows on the new
//! database included, its rows on the old one after the revert set aside).
//!
//! And no write waits on a lock of mig's past the figure: the longest write
//! that waited on a lock during the revert is no longer than mig's figure
//! plus that write's own busy-handler retry step (measured by the writer:
//! how late it could notice the lock's release) and the clocks' allowance.
//! A revert held inside its last lock (`revert.mid-mark`) until a write
//! has waited 20 ms makes that check bite.

use std::path::Path;

use crate::outage::assert_reported_matches;
use crate::support::agent::TestAgent;
use crate::support::revert_case as case;
use crate::support::revert_writer::{self, RevertWriterSpec, LONG_WAIT_US, WAITING_FILE};
use crate::support::writer_process::{Outcome, WriterLog};

use super::harness::Project;
use super::real_agent::as_who;

/// The new service's write, and the old service's once it is back.
const NEW_WRITE: &str = "INSERT INTO note(body, pinned) VALUES ('service ' || ?1, ?1 % 2)";
const OLD_WRITE: &str = "INSERT INTO Note(Body, Pinned) VALUES ('old service ' || ?1, ?1 % 2)";

/// The new service's pause between two writes, µs: at most ~1,000
/// writes/s (about 600/s in a debug build under load), so the outage is
/// measured to the millisecond, while reverse replay carries this table
/// back at 15,000-40,000 entries/s in a debug build on the loaded 2-core
/// machine (`tests/engine_revert_scale.rs`, docs/benchmarks.md): revert's
/// catch-up always wins and these tests prove the outage figure. A writer
/// faster than replay is refused instead (`revert_refuses_a_writer_faster_than_its_replay`).
const PAUSE_US: u64 = 1_000;

/// The printed figure in ms, from `writes refused for N ms (…)`.
fn printed_refusal(line: &str) -> f64 {
    line.strip_prefix("writes refused for ")
        .and_then(|r| r.split(" ms").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no figure in {line:?}"))
}

/// Clock readings on both sides (the writer's wall clock, mig's monotonic
/// clock) may disagree by this much: not a speed allowance.
const CLOCKS_MS: f64 = 2.0;

/// Every write that waited on a lock during the outage fits in `reported`
/// plus its own measured retry step (and the clocks' allowance); returns
/// the longest such wait in ms (0: none waited).
fn assert_lock_waits_covered(dir: &Path, log: &WriterLog, reported: f64) -> f64 {
    let outage = *log.outages().last().expect("an outage");
    let waits = revert_writer::lock_waits(dir, outage.last_ok);
    for w in &waits {
        let step = w.step as f64 / 1000.0;
        assert!(
            w.ms() <= reported + step + CLOCKS_MS,
            "a write waited {:.2} ms on a lock; mig reported {reported:.2} ms (allowed: the writer's retry step {step:.2} ms + {CLOCKS_MS} ms of clocks)",
            w.ms()
        );
    }
    let longest = waits.iter().max_by_key(|w| w.end - w.start);
    eprintln!(
        "reported {reported:.2} ms; {} writes waited on a lock, the longest {:.2} ms (its retry step {:.2} ms)",
        waits.len(),
        longest.map_or(0.0, |w| w.ms()),
        longest.map_or(0.0, |w| w.step as f64 / 1000.0)
    );
    longest.map_or(0.0, |w| w.ms())
}

/// A project cut over with a revert window through a real agent (started
/// with `env`), and the new service's writer on it.
struct Window {
    p: Project,
    agent: TestAgent,
}

impl Window {
    fn cut_over(env: &[(&str, &str)]) -> Window {
        let p = Project::empty("shop");
        case::create_old(&p.path("old.db"));
        p.write("schema.sql", case::SCHEMA);
        let mut agent = TestAgent::start(&p.dir, &[("shop", &p.path("old.db"), &p.path("new.db"))]);
        if !env.is_empty() {
            agent.kill();
            agent.spawn_with_env(env);
        }
        let w = Window { p, agent };
        w.mig(&["migrate", "--accept-data-loss"]).ok();
        w.mig(&["drain"]).ok();
        w.mig(&["cutover", "--revert-window", "1h"]).ok();
        case::snapshot(&w.p.path("old.db"), &w.p.path("new.db"), &w.p.dir);
        w
    }

    fn mig(&self, args: &[&str]) -> super::harness::Run {
        let mut all = as_who(&self.agent, "operator");
        all.extend(args.iter().map(|s| s.to_string()));
        self.p
            .mig(&all.iter().map(String::as_str).collect::<Vec<_>>())
    }

    fn writer(&self) -> crate::support::writer_process::WriterProcess {
        let (old, new) = (self.p.path("old.db"), self.p.path("new.db"));
        let spec = RevertWriterSpec {
            old: &old,
            new: &new,
            old_sql: OLD_WRITE,
            new_sql: NEW_WRITE,
        };
        let mut w = revert_writer::start_paced(&self.p.dir, &spec, PAUSE_US);
        w.wait_for(Outcome::Ok, 200);
        w
    }

    /// After the writer stopped: the old database is the inverse of the
    /// new one once the old service's own rows are set aside.
    fn assert_inverse(self) {
        let (old, new) = (self.p.path("old.db"), self.p.path("new.db"));
        drop(self.agent);
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
        let compared = case::assert_old_is_inverse(&old, &new, &self.p.dir);
        assert!(compared > 1_500, "compared {compared} rows");
    }
}

#[test]
fn revert_reports_the_refusal_a_new_service_moving_to_the_old_database_felt() {
    let win = Window::cut_over(&[]);
    let mut w = win.writer();
    let run = win.mig(&["revert"]).ok();
    let reported = printed_refusal(run.line_starting("writes refused for "));
    w.wait_for(Outcome::Ready, 1);
    w.wait_for(Outcome::Ok, w.log().count(Outcome::Ok) + 21);
    let log = w.stop();
    // The writer met the refusal that sent it to the old database (`ready`)
    // and compares the outage that ends there. "Being reverted" refusals
    // before it are not required: the freeze (~10 ms in a debug build) can
    // be shorter than one of the writer's attempts on the loaded machine,
    // which then waits through it and meets "reverted" at once.
    assert_reported_matches(&log, reported);
    assert_lock_waits_covered(&win.p.dir, &log, reported);
    win.assert_inverse();
}

#[test]
fn revert_figure_covers_a_write_held_on_the_new_databases_lock_until_the_revert_finished() {
    let gate = std::env::temp_dir().join(format!("mig-revert-gate-{}", std::process::id()));
    let _ = std::fs::remove_file(&gate);
    let value = format!("revert.mid-mark:{}", gate.display());
    let win = Window::cut_over(&[("MIG_FAILPOINT_GATE", &value)]);
    let waiting = win.p.dir.join(WAITING_FILE);
    let mut w = win.writer();
    let run = std::thread::scope(|scope| {
        let revert = scope.spawn(|| win.mig(&["revert"]));
        // Polling conditions: the agent inside its last lock, then a write
        // of the new service waiting on it for 20 ms.
        while !gate.exists() {
            assert!(!revert.is_finished(), "revert ended before its gate");
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let _ = std::fs::remove_file(&waiting);
        while !waiting.exists() {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        std::fs::remove_file(&gate).expect("opening the gate");
        revert.join().expect("the revert's thread")
    });
    let reported = printed_refusal(run.ok().line_starting("writes refused for "));
    w.wait_for(Outcome::Ready, 1);
    w.wait_for(Outcome::Ok, w.log().count(Outcome::Ok) + 21);
    let log = w.stop();
    let longest = assert_lock_waits_covered(&win.p.dir, &log, reported);
    assert!(
        longest * 1000.0 >= LONG_WAIT_US as f64,
        "the writer's longest lock wait was {longest:.2} ms, the gate held it at least {} ms",
        LONG_WAIT_US / 1000
    );
    assert_reported_matches(&log, reported);
    win.assert_inverse();
}

/// The new service's flood: 1,000 notes a statement, no pause (well over
/// 100,000 writes/s, against reverse replay's 15,000-40,000 a second).
const FLOOD: &str =
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) \
     INSERT INTO note(body, pinned) SELECT 'flood ' || ?1 || '.' || i, i % 2 FROM n";

#[test]
fn revert_refuses_a_writer_faster_than_its_replay_in_one_line_naming_both_rates() {
    let win = Window::cut_over(&[]);
    let (old, new) = (win.p.path("old.db"), win.p.path("new.db"));
    let spec = RevertWriterSpec {
        old: &old,
        new: &new,
        old_sql: OLD_WRITE,
        new_sql: FLOOD,
    };
    let mut w = revert_writer::start_paced(&win.p.dir, &spec, 0);
    w.wait_for(Outcome::Ok, 5);
    let run = win.mig(&["revert"]);
    // Exit 6 (busy): the database is fine, the moment is not.
    let line = run.fails(
        super::harness::BUSY,
        "revert failed: revert refused: the new service writes faster than revert carries its writes back (",
    );
    assert!(
        line.contains(" writes/s against ")
            && line.contains(" carried back per second")
            && line.contains("the window stays open"),
        "{line}"
    );
    // Nothing was made writable or frozen: the new database still takes
    // every write, the old one still refuses as a standby.
    let ok = w.log().count(Outcome::Ok);
    w.wait_for(Outcome::Ok, ok + 5);
    let log = w.stop();
    assert_eq!(log.count(Outcome::Refused), 0, "{log:?}");
    let standby = rusqlite::Connection::open(&old)
        .and_then(|c| c.execute(OLD_WRITE, [1]))
        .expect_err("the old database stays a standby");
    assert!(standby.to_string().contains("standby"), "{standby}");
}
