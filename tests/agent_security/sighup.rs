//! SIGHUP re-reads `agent.toml`: an invalid file is refused and the old
//! configuration stays; a database added appears in `ListDatabases`; one
//! removed while its job runs is kept (with a warning, taking no new work)
//! until the job ends.

use mig::proto as pb;
use tonic::Code;

use super::{database_names, slow_migrate, RELOAD_WAIT};
use crate::support::agent::TestAgent;
use crate::support::fixture;
use crate::support::pki::eventually;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_adds_and_removes_databases_and_refuses_an_invalid_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = |n: &str| dir.path().join(n);
    for old in ["a.db", "b.db", "c.db"] {
        drop(fixture::create_old(&p(old), 5_000));
    }
    let (a, b, c) = (
        ("a", p("a.db"), p("a-new.db")),
        ("b", p("b.db"), p("b-new.db")),
        ("c", p("c.db"), p("c-new.db")),
    );
    let db = |d: &(&'static str, std::path::PathBuf, std::path::PathBuf)| {
        (d.0, d.1.clone(), d.2.clone())
    };
    let [a, b, c] = [db(&a), db(&b), db(&c)];
    let agent = TestAgent::start(dir.path(), &[(a.0, &a.1, &a.2), (b.0, &b.1, &b.2)]);
    let mut op = agent.client(Some("operator"));
    assert_eq!(database_names(&mut op).await, ["a", "b"]);

    std::fs::write(agent.config_path(), "listen = \"nonsense\"\n").expect("write");
    agent.hup();
    eventually("the refusal logged", RELOAD_WAIT, || async {
        agent
            .log()
            .contains("refused the reloaded configuration")
            .then_some(())
    })
    .await;
    assert_eq!(
        database_names(&mut op).await,
        ["a", "b"],
        "the old configuration stays"
    );

    // b is busy: removing it waits for its job.
    let job = slow_migrate(&mut op, "b", 1_000.0).await;
    agent.write_config(&[(a.0, &a.1, &a.2), (c.0, &c.1, &c.2)]);
    agent.hup();
    eventually("c added", RELOAD_WAIT, || {
        let mut op = op.clone();
        async move { (database_names(&mut op).await == ["a", "b", "c"]).then_some(()) }
    })
    .await;
    let log = agent.log();
    assert!(
        log.contains("loaded the TLS files; new connections use them trigger=Signal"),
        "{log}"
    );
    assert!(
        log.contains("reloaded ") && log.contains("added=[\"c\"]"),
        "{log}"
    );
    let status = op
        .status(pb::StatusRequest {
            database: "b".into(),
        })
        .await
        .expect("b's status while its job runs")
        .into_inner();
    assert!(
        status
            .warnings
            .iter()
            .any(|w| w.contains("removed from the agent's configuration")),
        "{:?}",
        status.warnings
    );
    let err = op
        .cutover(pb::CutoverRequest {
            database: "b".into(),
            ..Default::default()
        })
        .await
        .expect_err("no new work on a removed database");
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");
    assert!(err.message().contains("removed"), "{}", err.message());

    op.cancel_job(pb::JobRef {
        database: "b".into(),
        job_id: job,
    })
    .await
    .expect("cancel");
    eventually("b gone once its job ended", RELOAD_WAIT, || {
        let mut op = op.clone();
        async move { (database_names(&mut op).await == ["a", "c"]).then_some(()) }
    })
    .await;
    op.status(pb::StatusRequest {
        database: "c".into(),
    })
    .await
    .expect("the added database is served");
}
