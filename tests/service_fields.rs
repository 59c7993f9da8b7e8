//! The conversion layer through a real `mig-agent` over mutual TLS: every
//! request field the service cannot use is refused INVALID_ARGUMENT with
//! one line naming the field, before anything starts, and no file changes.

use std::path::Path;

use mig::proto as pb;
use mig::proto::migrator_client::MigratorClient;
use tonic::transport::Channel;
use tonic::Code;

use crate::support::agent::TestAgent;
use crate::support::fixture;

/// The bytes of the old database and its WAL, and whether the new exists.
fn files(old: &Path, new: &Path) -> (Vec<Vec<u8>>, bool) {
    let bytes = ["", "-wal"]
        .iter()
        .map(|s| std::fs::read(format!("{}{s}", old.display())).unwrap_or_default())
        .collect();
    (bytes, new.exists())
}

fn schema() -> Option<pb::SchemaSource> {
    Some(pb::SchemaSource {
        file_name: "schema.sql".into(),
        sql: fixture::NEW_SCHEMA.into(),
    })
}

/// Each request's refusal, with the field its message must name.
async fn refusals(c: &mut MigratorClient<Channel>) -> Vec<(&'static str, tonic::Status)> {
    fn refused<T: std::fmt::Debug>(r: Result<tonic::Response<T>, tonic::Status>) -> tonic::Status {
        r.expect_err("an invalid field is refused")
    }
    let db = || "shop".to_string();
    vec![
        (
            "rows_per_sec",
            refused(
                c.throttle(pb::ThrottleRequest {
                    database: db(),
                    rows_per_sec: -1.0,
                })
                .await,
            ),
        ),
        (
            "rows_per_sec",
            refused(
                c.throttle(pb::ThrottleRequest {
                    database: db(),
                    rows_per_sec: f64::NAN,
                })
                .await,
            ),
        ),
        (
            "max_rows_per_sec",
            refused(
                c.migrate(pb::MigrateRequest {
                    database: db(),
                    schema: schema(),
                    max_rows_per_sec: -5.0,
                    ..Default::default()
                })
                .await,
            ),
        ),
        (
            "on_timeout",
            refused(
                c.drain(pb::DrainRequest {
                    database: db(),
                    on_timeout: 99,
                    ..Default::default()
                })
                .await,
            ),
        ),
        (
            "revert_window_secs",
            refused(
                c.drain(pb::DrainRequest {
                    database: db(),
                    revert_window_secs: Some(60),
                    ..Default::default()
                })
                .await,
            ),
        ),
        (
            "sample_percent",
            refused(
                c.plan(pb::PlanRequest {
                    database: db(),
                    schema: schema(),
                    rehearse: true,
                    sample_percent: 150.0,
                    ..Default::default()
                })
                .await,
            ),
        ),
        (
            "sample_percent",
            refused(
                c.plan(pb::PlanRequest {
                    database: db(),
                    schema: schema(),
                    rehearse: true,
                    sample_percent: -1.0,
                    ..Default::default()
                })
                .await,
            ),
        ),
        (
            "name_pattern",
            refused(
                c.list_databases(pb::ListDatabasesRequest {
                    name_pattern: "[".into(),
                    ..Default::default()
                })
                .await,
            ),
        ),
        (
            "phases",
            refused(
                c.list_databases(pb::ListDatabasesRequest {
                    phases: vec![999],
                    ..Default::default()
                })
                .await,
            ),
        ),
        (
            "names_only",
            refused(
                c.list_databases(pb::ListDatabasesRequest {
                    phases: vec![pb::Phase::Copying.into()],
                    names_only: true,
                    ..Default::default()
                })
                .await,
            ),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_invalid_request_field_is_invalid_argument_naming_the_field_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    let _lock = fixture::create_old(&old, 20);
    let agent = TestAgent::start(dir.path(), &[("shop", &old, &new)]);
    let before = files(&old, &new);
    let mut op = agent.client(Some("operator"));
    for (field, status) in refusals(&mut op).await {
        assert_eq!(status.code(), Code::InvalidArgument, "{field}: {status:?}");
        let m = status.message();
        assert!(m.contains(field), "the message names {field}: {m}");
        assert!(!m.contains('\n'), "one line: {m:?}");
    }
    assert_eq!(
        files(&old, &new),
        before,
        "a refused request changes no file"
    );
    let status = op
        .status(pb::StatusRequest {
            database: "shop".into(),
        })
        .await
        .expect("the agent keeps answering")
        .into_inner();
    assert_eq!(status.phase, i32::from(pb::Phase::NotStarted));
    assert!(status.running_job.is_none(), "nothing started");
}
