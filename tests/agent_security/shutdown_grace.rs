//! `[shutdown] grace_ms`: a SIGTERMed agent waits that long for its jobs to
//! reach a checkpoint, then exits anyway, so it stops before an
//! orchestrator's own grace runs out and kills it. Here the job cannot
//! reach one: it is held at a failpoint gate (right after the new file is
//! created) until the test lets it go, which it never does before the stop.

use std::time::{Duration, Instant};

use super::running_job;
use crate::support::agent::{Setup, TestAgent};
use crate::support::fixture;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigtermed_agent_exits_after_its_configured_grace_when_a_job_cannot_stop() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    drop(fixture::create_old(&old, 200));
    let setup = Setup {
        extra: "\n[shutdown]\ngrace_ms = 300\n".into(),
        ..Setup::default()
    };
    let mut agent = TestAgent::start_with(dir.path(), &[("shop", &old, &new)], setup);
    let gate = dir.path().join("gate");
    agent.kill();
    agent.spawn_with_env(&[(
        "MIG_FAILPOINT_GATE",
        &format!("migrate.after-create:{}", gate.display()),
    )]);

    let mut op = agent.client(Some("operator"));
    let job = super::slow_migrate(&mut op, "shop", 1_000_000.0).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while !gate.exists() {
        assert!(Instant::now() < deadline, "the job never reached the gate");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(running_job(&mut op, "shop").await, Some(job));
    let code = agent.terminate();
    let log = agent.log();
    assert!(
        log.contains("jobs did not stop within 300ms"),
        "the agent gave up after its grace: {log}"
    );
    assert_eq!(code, Some(0), "{log}");
    let _ = std::fs::remove_file(&gate);
}
