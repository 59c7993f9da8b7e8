//! The README's readiness snippets (`examples/readiness/`), run against a
//! real agent as a new service would: the Python health watch on the
//! `[health]` listener, the Python poll of `_migration_status`, and the
//! Rust health watch. Each still waits after `drain` (writes refused, the
//! new database not ready yet) and returns once `cutover` commits.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

use mig::proto as pb;
use tokio_stream::StreamExt;

use crate::support::agent::{Setup, TestAgent};
use crate::support::{fixture, oracle, python};

#[path = "../examples/readiness/wait_ready.rs"]
mod wait_ready;

/// `wait_ready.py ARGS`, its stdout read line by line.
fn script(python: &Path, args: &[&str]) -> (Child, BufReader<ChildStdout>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/readiness/wait_ready.py");
    let mut child = Command::new(python)
        .arg(path)
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("running wait_ready.py");
    let out = BufReader::new(child.stdout.take().expect("stdout"));
    (child, out)
}

fn next_line(out: &mut BufReader<ChildStdout>) -> String {
    let mut line = String::new();
    out.read_line(&mut line)
        .expect("reading the script's output");
    line.trim().to_string()
}

async fn run_to_end(mut s: tonic::Streaming<pb::JobEvent>) {
    let mut last = None;
    while let Some(e) = s.next().await {
        last = e.expect("event").event;
    }
    assert!(
        matches!(last, Some(pb::job_event::Event::Completed(_))),
        "{last:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_snippets_wait_through_drain_and_return_at_cutover() {
    let Some(venv) =
        python::venv_or_skip("readiness_snippets_wait_through_drain_and_return_at_cutover")
    else {
        return;
    };
    let py = venv.python();
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    drop(fixture::create_old(&old, 50));
    let setup = Setup {
        health: Some("databases"),
        ..Setup::default()
    };
    let agent = TestAgent::start_with(dir.path(), &[("shop", &old, &new)], setup);
    let health = agent.health_addr.clone().expect("a health listener");
    let mut op = agent.client(Some("operator"));
    let migrate = op
        .migrate(pb::MigrateRequest {
            database: "shop".into(),
            schema: Some(pb::SchemaSource {
                file_name: "schema.sql".into(),
                sql: fixture::NEW_SCHEMA.into(),
            }),
            ..Default::default()
        })
        .await
        .expect("migrate")
        .into_inner();
    run_to_end(migrate).await;

    let new_path = new.to_str().expect("path");
    let (mut by_health, mut health_out) = script(&py, &["health", &health, "shop"]);
    let (mut by_sql, mut sql_out) = script(&py, &["sql", new_path]);
    let rust = tokio::spawn(wait_ready::wait_until_ready(
        format!("http://{health}"),
        "shop",
    ));
    // Both scripts have seen the database not ready.
    assert_eq!(next_line(&mut health_out), "waiting");
    assert_eq!(next_line(&mut sql_out), "waiting");

    let drain = op
        .drain(pb::DrainRequest {
            database: "shop".into(),
            ..Default::default()
        })
        .await
        .expect("drain")
        .into_inner();
    run_to_end(drain).await;
    assert!(by_health.try_wait().expect("health script").is_none());
    assert!(by_sql.try_wait().expect("sql script").is_none());
    assert!(!rust.is_finished(), "drained is not ready");

    op.cutover(pb::CutoverRequest {
        database: "shop".into(),
        ..Default::default()
    })
    .await
    .expect("cutover");
    assert_eq!(next_line(&mut health_out), "ready");
    assert_eq!(next_line(&mut sql_out), "ready");
    assert!(by_health.wait().expect("health script").success());
    assert!(by_sql.wait().expect("sql script").success());
    rust.await
        .expect("the Rust waiter")
        .map_err(|e| e.to_string())
        .expect("ready");
    oracle::assert_matches(&old, &new);
}
