//! Every RPC with empty, oversized and nonsensical fields, through the
//! in-process service: each gets its documented status code, no file
//! changes, and the service keeps answering.

use std::path::Path;

use mig::config::{AgentConfig, DatabaseConfig};
use mig::engine::paths::DatabaseSpec;
use mig::proto as pb;
use mig::proto::migrator_client::MigratorClient;
use mig::transport::local;
use tonic::Code;

use crate::support::fixture;

fn schema(sql: &str) -> Option<pb::SchemaSource> {
    Some(pb::SchemaSource {
        file_name: "schema.sql".into(),
        sql: sql.into(),
    })
}

/// Every file in `dir` with its bytes, to prove a refusal changed nothing.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| {
            let p = e.expect("entry").path();
            (p.display().to_string(), std::fs::read(&p).expect("read"))
        })
        .collect();
    files.sort();
    files
}

type Outcome = Result<(), tonic::Status>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_their_status_codes_and_change_no_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    drop(fixture::create_old(&old, 10));
    let before = snapshot(dir.path());
    let spec = DatabaseSpec {
        old: Some(old.clone()),
        new: Some(new.clone()),
        project: None,
    };
    let agent = local::start(AgentConfig {
        databases: vec![
            DatabaseConfig::new("a", spec.clone()),
            DatabaseConfig::new("b", spec),
        ],
    })
    .await
    .expect("agent");
    let mut c = MigratorClient::new(agent.channel.clone());

    fn drop_ok<T>(r: Result<tonic::Response<T>, tonic::Status>) -> Outcome {
        r.map(|_| ())
    }
    let cases: Vec<(&str, Outcome, Code)> = vec![
        (
            "status without a name on a multi-database agent",
            drop_ok(c.status(pb::StatusRequest::default()).await),
            Code::InvalidArgument,
        ),
        (
            "plan with a path for a name",
            drop_ok(c.plan(pb::PlanRequest { database: "/etc/passwd".into(), schema: schema("CREATE TABLE t(x);"), ..Default::default() }).await),
            Code::InvalidArgument,
        ),
        (
            "plan without a schema",
            drop_ok(c.plan(pb::PlanRequest { database: "a".into(), schema: None, ..Default::default() }).await),
            Code::InvalidArgument,
        ),
        (
            "plan with binary junk as schema",
            drop_ok(c.plan(pb::PlanRequest { database: "a".into(), schema: schema("\u{0}\u{1}\u{fffd}CREATE"), ..Default::default() }).await),
            Code::InvalidArgument,
        ),
        (
            "plan with an unknown old column in a directive",
            drop_ok(c.plan(pb::PlanRequest { database: "a".into(), schema: schema("-- mig:from Customer\n-- mig:set id = NoSuchColumn\nCREATE TABLE c (id INTEGER PRIMARY KEY);"), ..Default::default() }).await),
            Code::Ok,
        ),
        (
            "migrate with an empty schema",
            drop_ok(c.migrate(pb::MigrateRequest { database: "a".into(), schema: schema(""), ..Default::default() }).await),
            Code::InvalidArgument,
        ),
        (
            "drain with an unknown timeout policy",
            drop_ok(c.drain(pb::DrainRequest { database: "a".into(), on_timeout: 99, ..Default::default() }).await),
            Code::InvalidArgument,
        ),
        (
            "drain before migrate",
            Err(first_failure(c.drain(pb::DrainRequest { database: "a".into(), ..Default::default() }).await).await),
            Code::FailedPrecondition,
        ),
        (
            "cutover before migrate",
            drop_ok(c.cutover(pb::CutoverRequest { database: "a".into(), ..Default::default() }).await),
            Code::FailedPrecondition,
        ),
        (
            "reset with nothing to reset (idempotent: reports nothing to do)",
            drop_ok(c.reset(pb::ResetRequest { database: "a".into(), ..Default::default() }).await),
            Code::Ok,
        ),
        (
            "watch a database with no jobs",
            drop_ok(c.watch(pb::WatchRequest { database: "b".into(), ..Default::default() }).await),
            Code::NotFound,
        ),
        (
            "cancel an unknown job",
            drop_ok(c.cancel_job(pb::JobRef { database: "a".into(), job_id: "nope".into() }).await),
            Code::NotFound,
        ),
        (
            "pause with a 10 KiB database name",
            drop_ok(c.pause_job(pb::JobRef { database: "x".repeat(10_240), job_id: String::new() }).await),
            Code::InvalidArgument,
        ),
    ];
    for (what, outcome, want) in cases {
        let got = match &outcome {
            Ok(()) => Code::Ok,
            Err(s) => s.code(),
        };
        assert_eq!(got, want, "{what}: {outcome:?}");
        if let Err(s) = &outcome {
            let m = s.message();
            assert!(
                !m.is_empty() && !m.contains('\n'),
                "{what}: one line: {m:?}"
            );
        }
    }
    // The failed drain ran as a job: watching past its end is out of range.
    let err = c
        .watch(pb::WatchRequest {
            database: "a".into(),
            job_id: String::new(),
            from_seq: 1_000,
        })
        .await
        .expect_err("beyond the end");
    assert_eq!(err.code(), Code::OutOfRange);
    assert_eq!(
        snapshot(dir.path()),
        before,
        "refused requests must not change any file"
    );
    agent.shutdown().await;
}

/// A job stream's failure, as a status (from its `JobFailed` event).
async fn first_failure(
    r: Result<tonic::Response<tonic::Streaming<pb::JobEvent>>, tonic::Status>,
) -> tonic::Status {
    use tokio_stream::StreamExt;
    let mut s = match r {
        Ok(s) => s.into_inner(),
        Err(e) => return e,
    };
    while let Some(e) = s.next().await {
        if let Some(pb::job_event::Event::Failed(f)) = e.expect("event").event {
            let code = match f.code.as_str() {
                "FAILED_PRECONDITION" => Code::FailedPrecondition,
                "INVALID_ARGUMENT" => Code::InvalidArgument,
                _ => Code::Unknown,
            };
            return tonic::Status::new(code, f.message);
        }
    }
    tonic::Status::ok("the job did not fail")
}
