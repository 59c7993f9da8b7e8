//! Crash safety of the agent process itself: a real `mig-agent` (mutual
//! TLS, certificates per run) is restarted with `MIG_FAILPOINT` and aborts
//! there while the real `mig` client drives the interrupted command; the
//! agent is restarted without it (it may resume the job on its own), the
//! command is re-run through the client, the runbook finished and the
//! result compared with the oracle — a writer on the old database
//! throughout.
//!
//! A representative scenario per command runs by default; every scenario of
//! `points::SCENARIOS` against the agent:
//! `cargo test --features failpoints --test integration -- --ignored every_failpoint_killing_the_agent`.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::time::{Duration, Instant};

use super::harness::{Step, World, RUNBOOK};
use crate::cli::harness::{mig_in, Run};
use crate::support::agent::TestAgent;
use crate::support::writer::Writer;

/// SIGABRT, what a failpoint's `std::process::abort` raises.
const SIGABRT: i32 = 6;

/// The `mig` client for a step, as the operator with the agent's `shop`.
fn remote(agent: &TestAgent, dir: &Path, schema: &Path, step: Step) -> Run {
    let certs = agent.certs.display().to_string();
    let url = agent.url();
    let ca = format!("{certs}/ca.pem");
    let cert = format!("{certs}/operator.pem");
    let key = format!("{certs}/operator-key.pem");
    let schema = schema.display().to_string();
    let mut args = vec![
        "--agent",
        &url,
        "--ca",
        &ca,
        "--cert",
        &cert,
        "--key",
        &key,
        "--database",
        "shop",
    ];
    match step {
        Step::Migrate => args.extend(["migrate", "--schema", &schema]),
        Step::Drain => args.push("drain"),
        Step::Cutover => args.push("cutover"),
        Step::CleanupOld => args.push("cleanup-old"),
        Step::Reset => args.extend(["reset", "--yes"]),
        Step::CutoverWindow => args.extend(["cutover", "--revert-window", "1h"]),
        Step::Revert => args.push("revert"),
        Step::Finalize => args.push("finalize"),
    }
    mig_in(dir, &args)
}

/// Waits until the restarted agent runs no job (it resumes an interrupted
/// migrate or drain by itself), so the re-run is not refused as busy.
fn wait_idle(agent: &TestAgent, dir: &Path) {
    let certs = agent.certs.display().to_string();
    let (url, ca) = (agent.url(), format!("{certs}/ca.pem"));
    let (cert, key) = (
        format!("{certs}/operator.pem"),
        format!("{certs}/operator-key.pem"),
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let st = mig_in(
            dir,
            &[
                "--agent",
                &url,
                "--ca",
                &ca,
                "--cert",
                &cert,
                "--key",
                &key,
                "--database",
                "shop",
                "status",
            ],
        );
        assert_eq!(st.code, 0, "status after restart: {st:#?}");
        if !st.stdout.lines().any(|l| l.starts_with("running job: ")) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the resumed job never ended: {st:#?}"
        );
        // Polling a condition (the agent's own job ending).
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Kills the agent inside `step` at `failpoint`, restarts it, re-runs the
/// step through the client, finishes the runbook and checks the oracle.
pub fn agent_killed_and_finished(step: Step, failpoint: &str, seed: u64) {
    let w = World::shop();
    let dir = w.old.parent().expect("folder").to_path_buf();
    let schema = dir.join("schema.sql");
    let mut agent = TestAgent::start(&dir, &[("shop", &w.old, &w.new)]);
    let writer = Writer::start(w.old.clone(), seed);
    writer.wait_committed(10);
    if step == Step::Reset {
        remote(&agent, &dir, &schema, Step::Migrate).ok();
        kill_inside(&mut agent, &dir, &schema, Step::Reset, failpoint);
        assert!(!w.new.exists(), "reset left the new database");
        assert_eq!(w.old_leftovers(), Vec::<String>::new());
    }
    let mut writer = Some(writer);
    for s in RUNBOOK {
        if s == Step::CleanupOld {
            let stats = writer.take().expect("writer").stop();
            assert!(stats.committed > 10, "writer: {stats:?}");
            assert!(w.assert_matches() > 2 * super::harness::ROWS as usize);
        }
        if s == step {
            let tail = writer.as_ref().filter(|_| s == Step::Migrate);
            kill_inside_after(&mut agent, (&dir, &schema), (s, failpoint), tail);
        } else {
            remote(&agent, &dir, &schema, s).ok();
        }
        if let (Step::Migrate, Some(wr)) = (s, writer.as_ref()) {
            wr.wait_committed(wr.committed() + 20);
        }
    }
    assert_eq!(w.old_leftovers(), Vec::<String>::new());
    w.assert_matches();
}

/// Restarts the agent armed at `failpoint`, runs `step` until the agent
/// aborts, restarts it unarmed and re-runs `step` to its end.
fn kill_inside(agent: &mut TestAgent, dir: &Path, schema: &Path, step: Step, failpoint: &str) {
    kill_inside_after(agent, (dir, schema), (step, failpoint), None);
}

/// As [`kill_inside`]; with a writer, a migrate killed in a replay first
/// waits at its first copy chunk (`MIG_FAILPOINT_GATE`) until the writer
/// has committed more, so a replay batch always exists to die in.
fn kill_inside_after(
    agent: &mut TestAgent,
    (dir, schema): (&Path, &Path),
    (step, failpoint): (Step, &str),
    writer: Option<&Writer>,
) {
    agent.kill();
    let held = dir.join("failpoint-gate");
    let gate = format!("copy.after-chunk:{}", held.display());
    let writer = writer.filter(|_| failpoint.starts_with("replay."));
    let mut env = vec![("MIG_FAILPOINT", failpoint)];
    if writer.is_some() {
        env.push(("MIG_FAILPOINT_GATE", &gate));
    }
    agent.spawn_with_env(&env);
    let serving: &TestAgent = agent;
    let run = std::thread::scope(|scope| {
        let client = scope.spawn(|| remote(serving, dir, schema, step));
        if let Some(wr) = writer {
            while !held.exists() {
                assert!(!client.is_finished(), "{step:?} ended before its gate");
                // Polling a condition: the agent reaching its gate.
                std::thread::sleep(Duration::from_millis(1));
            }
            wr.wait_committed(wr.committed() + 5);
            std::fs::remove_file(&held).expect("opening the gate");
        }
        client.join().expect("client thread")
    });
    let ended = agent.wait_exit().expect("agent process");
    assert_eq!(
        ended.signal(),
        Some(SIGABRT),
        "the agent did not die at {failpoint} during {step:?}: {ended:?}; client: {run:#?}"
    );
    assert_ne!(
        run.code, 0,
        "the client reported success from a dead agent: {run:#?}"
    );
    agent.spawn();
    wait_idle(agent, dir);
    let again = remote(agent, dir, schema, step);
    // A cutover or cleanup-old killed after its commit has nothing left to
    // do and says so; a reset killed after deleting has nothing to reset.
    let done = match step {
        Step::Cutover => "is already cut over (ready)",
        Step::CleanupOld => "is already cleaned up (retired: ",
        _ => "",
    };
    assert!(
        again.code == 0 || (!done.is_empty() && again.stderr.contains(done)),
        "{step:?} re-run after the agent restart: {again:#?}"
    );
}

#[test]
fn agent_killed_mid_copy_resumes_and_matches_the_oracle() {
    agent_killed_and_finished(Step::Migrate, "copy.after-chunk@2", 301);
}

#[test]
fn agent_killed_inside_the_recording_setup_resumes_and_matches_the_oracle() {
    agent_killed_and_finished(Step::Migrate, "record.mid-install", 302);
}

#[test]
fn agent_killed_between_drains_freeze_and_replay_finishes_and_matches_the_oracle() {
    agent_killed_and_finished(Step::Drain, "drain.after-freeze", 303);
}

#[test]
fn agent_killed_before_the_cutover_commit_finishes_and_matches_the_oracle() {
    agent_killed_and_finished(Step::Cutover, "cutover.before-commit", 304);
}

#[test]
fn agent_killed_inside_cleanup_old_finishes_and_matches_the_oracle() {
    agent_killed_and_finished(Step::CleanupOld, "remove.before-commit", 305);
}

/// Every (command, failpoint) of the local suite, against the agent, one
/// after the other; prints how many kills landed.
#[test]
#[ignore = "long (~20 s, more on a loaded machine): cargo test --features failpoints --test integration -- --ignored every_failpoint_killing_the_agent"]
fn every_failpoint_killing_the_agent_resumes_and_matches_the_oracle() {
    let scenarios = super::points::SCENARIOS;
    for (i, (step, point)) in scenarios.iter().enumerate() {
        eprintln!(
            "agent kill {}/{}: {step:?} at {point}",
            i + 1,
            scenarios.len()
        );
        agent_killed_and_finished(*step, point, 400 + i as u64);
    }
    eprintln!(
        "agent kills: {} scenarios, all matched the oracle",
        scenarios.len()
    );
}
