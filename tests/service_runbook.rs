//! The runbook through the `mig.v1` contract over the in-process channel:
//! jobs stream numbered events to a terminal one, re-attach from a sequence
//! number, refuse a second job, and map errors to the right status codes.

use std::path::Path;

use mig::config::{AgentConfig, DatabaseConfig};
use mig::engine::paths::DatabaseSpec;
use mig::proto as pb;
use mig::proto::migrator_client::MigratorClient;
use mig::transport::local::{self, LocalAgent};
use tokio_stream::StreamExt;
use tonic::transport::Channel;
use tonic::Code;

use crate::support::{fixture, oracle, writer::Writer};

const DB: &str = "shop";

async fn agent(old: &Path, new: &Path) -> (LocalAgent, MigratorClient<Channel>) {
    let spec = DatabaseSpec {
        old: Some(old.to_path_buf()),
        new: Some(new.to_path_buf()),
        project: None,
    };
    let config = AgentConfig {
        databases: vec![DatabaseConfig::new(DB, spec)],
    };
    let agent = local::start(config).await.expect("in-process agent");
    let client = MigratorClient::new(agent.channel.clone());
    (agent, client)
}

fn schema() -> Option<pb::SchemaSource> {
    Some(pb::SchemaSource {
        file_name: "schema.sql".into(),
        sql: fixture::NEW_SCHEMA.into(),
    })
}

/// Reads a job stream to its end; checks sequence numbers increase by one.
async fn collect(mut stream: tonic::Streaming<pb::JobEvent>) -> Vec<pb::JobEvent> {
    let mut events: Vec<pb::JobEvent> = Vec::new();
    while let Some(e) = stream.next().await {
        let e = e.expect("stream item");
        if let Some(prev) = events.last() {
            assert_eq!(e.seq, prev.seq + 1, "sequence numbers must be contiguous");
        }
        events.push(e);
    }
    events
}

fn terminal(events: &[pb::JobEvent]) -> &pb::job_event::Event {
    use pb::job_event::Event as E;
    let last = events
        .last()
        .and_then(|e| e.event.as_ref())
        .expect("events");
    assert!(
        matches!(last, E::Completed(_) | E::Failed(_) | E::Cancelled(_)),
        "stream must end with a terminal event, got {last:?}"
    );
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runbook_over_grpc_with_concurrent_writer_matches_oracle() {
    use pb::job_event::Event as E;
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    drop(fixture::create_old(&old, 2_000));
    let (agent, mut client) = agent(&old, &new).await;
    let writer = Writer::start(old.clone(), 11);

    let plan = client
        .plan(pb::PlanRequest {
            database: DB.into(),
            schema: schema(),
            ..Default::default()
        })
        .await
        .expect("plan")
        .into_inner();
    assert!(plan.can_migrate, "{:?}", plan.blockers);

    let stream = client
        .migrate(pb::MigrateRequest {
            database: DB.into(),
            schema: schema(),
            ..Default::default()
        })
        .await
        .expect("migrate")
        .into_inner();
    let events = collect(stream).await;
    assert_eq!(events[0].seq, 1);
    assert!(matches!(events[0].event, Some(E::Started(_))));
    assert!(events.iter().any(|e| matches!(e.event, Some(E::Copy(_)))));
    let E::Completed(done) = terminal(&events) else {
        panic!("migrate did not complete: {:?}", events.last())
    };
    let Some(pb::job_completed::Summary::Migrate(summary)) = &done.summary else {
        panic!("no migrate summary")
    };
    assert!(summary.rows >= 2_000, "copied {} rows", summary.rows);

    // Re-attach to the finished job from the middle: the tail comes back.
    let job_id = events[0].job_id.clone();
    let from = events.len() as u64 - 1;
    let replayed = collect(
        client
            .watch(pb::WatchRequest {
                database: DB.into(),
                job_id: job_id.clone(),
                from_seq: from,
            })
            .await
            .expect("watch")
            .into_inner(),
    )
    .await;
    assert_eq!(replayed.len(), 2);
    assert_eq!(replayed[0].seq, from);
    terminal(&replayed);

    let status = client
        .status(pb::StatusRequest {
            database: DB.into(),
        })
        .await
        .expect("status")
        .into_inner();
    assert_eq!(status.phase(), pb::Phase::Recording);
    assert_eq!(status.marker(), pb::MarkerStatus::Recording);

    let err = client
        .cutover(pb::CutoverRequest {
            database: DB.into(),
            ..Default::default()
        })
        .await
        .expect_err("cutover before drain must be refused");
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(
        err.message().starts_with(
            "drain has not run: the old database is still recording writes; run `mig drain` first"
        ),
        "{}",
        err.message()
    );

    let drained = collect(
        client
            .drain(pb::DrainRequest {
                database: DB.into(),
                ..Default::default()
            })
            .await
            .expect("drain")
            .into_inner(),
    )
    .await;
    assert!(
        matches!(terminal(&drained), E::Completed(_)),
        "{:?}",
        drained.last()
    );
    let stats = writer.stop();
    assert!(stats.committed > 10, "writer committed {}", stats.committed);

    let cut = client
        .cutover(pb::CutoverRequest {
            database: DB.into(),
            ..Default::default()
        })
        .await
        .expect("cutover")
        .into_inner();
    assert!(cut.id_mapping_removed && cut.progress_removed);
    assert!(cut.certified, "drain verified the copy before the freeze");
    let compared = oracle::assert_matches(&old, &new);
    assert!(compared > 4_000, "compared {compared} rows");

    let status = client
        .status(pb::StatusRequest {
            database: DB.into(),
        })
        .await
        .expect("status")
        .into_inner();
    assert_eq!(status.migration(), pb::MigrationStatus::Ready);
    assert!(status.cutover_complete);
    assert_eq!(status.id_mapping_rows, None);
    let cleaned = client
        .cleanup_old(pb::CleanupOldRequest {
            database: DB.into(),
            release: false,
            close_revert_window: false,
            check_only: false,
        })
        .await
        .expect("cleanup-old")
        .into_inner();
    assert_eq!(cleaned.previous_marker_status, "retired");
    assert!(cleaned.guards > 0, "the old database stays retired");
    assert!(cleaned.dropped_marker && cleaned.dropped_log);
    agent.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_job_on_a_database_is_aborted_naming_the_running_one() {
    use pb::job_event::Event as E;
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    let conn = fixture::create_old(&old, 50);
    // The service holds the write lock: the migrate job waits on it, running.
    conn.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let (agent, mut client) = agent(&old, &new).await;
    let mut first = client
        .migrate(pb::MigrateRequest {
            database: DB.into(),
            schema: schema(),
            ..Default::default()
        })
        .await
        .expect("migrate")
        .into_inner();
    let started = first.next().await.expect("first event").expect("event");
    assert!(matches!(started.event, Some(E::Started(_))));

    let err = client
        .drain(pb::DrainRequest {
            database: DB.into(),
            ..Default::default()
        })
        .await
        .expect_err("a second job must be refused");
    assert_eq!(err.code(), Code::Aborted);
    assert!(err.message().contains(&started.job_id), "{}", err.message());
    let err = client
        .reset(pb::ResetRequest {
            database: DB.into(),
            ..Default::default()
        })
        .await
        .expect_err("reset during a job must be refused");
    assert_eq!(err.code(), Code::Aborted);

    let cancelled = client
        .cancel_job(pb::JobRef {
            database: DB.into(),
            job_id: String::new(),
        })
        .await
        .expect("cancel")
        .into_inner();
    assert_eq!(cancelled.job_id, started.job_id);
    conn.execute_batch("ROLLBACK").expect("unlock");
    let mut rest = vec![started];
    rest.extend(collect(first).await);
    assert!(
        matches!(terminal(&rest), E::Cancelled(_)),
        "{:?}",
        rest.last()
    );
    agent.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_the_right_status_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    drop(fixture::create_old(&old, 5));
    let (agent, mut client) = agent(&old, &new).await;
    let err = client
        .status(pb::StatusRequest {
            database: "nope".into(),
        })
        .await
        .expect_err("unknown database");
    assert_eq!(err.code(), Code::NotFound);
    assert!(err.message().contains("shop"), "{}", err.message());

    let err = client
        .plan(pb::PlanRequest {
            database: DB.into(),
            schema: Some(pb::SchemaSource {
                file_name: "schema.sql".into(),
                sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, x NOT NULL REFERENCES);".into(),
            }),
            ..Default::default()
        })
        .await
        .expect_err("bad schema");
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(
        err.message().starts_with("schema.sql:1"),
        "{}",
        err.message()
    );

    let err = client
        .watch(pb::WatchRequest {
            database: DB.into(),
            job_id: "migrate-00000000".into(),
            from_seq: 0,
        })
        .await
        .expect_err("unknown job");
    assert_eq!(err.code(), Code::NotFound);

    let err = client
        .cleanup_old(pb::CleanupOldRequest {
            database: DB.into(),
            release: false,
            close_revert_window: false,
            check_only: false,
        })
        .await
        .expect_err("nothing to clean");
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(!new.exists(), "a refused command must not create files");
    agent.shutdown().await;
}

/// Many pollers at once share status computations, and a step that ends
/// makes the next status fresh however recently one was computed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_status_polls_agree_and_a_finished_step_is_seen_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    drop(fixture::create_old(&old, 200));
    let (agent, mut client) = agent(&old, &new).await;
    let status = |mut c: MigratorClient<Channel>| async move {
        c.status(pb::StatusRequest {
            database: DB.into(),
        })
        .await
        .expect("status")
        .into_inner()
    };
    let before = status(client.clone()).await;
    assert_eq!(before.phase, pb::Phase::NotStarted as i32, "{before:?}");
    collect(
        client
            .migrate(pb::MigrateRequest {
                database: DB.into(),
                schema: schema(),
                ..Default::default()
            })
            .await
            .expect("migrate")
            .into_inner(),
    )
    .await;
    // Right after the job: the status cached before it is not served.
    let polls: Vec<_> = (0..50)
        .map(|_| tokio::spawn(status(client.clone())))
        .collect();
    for p in polls {
        let s = p.await.expect("poll task");
        assert_eq!(s.phase, pb::Phase::Recording as i32, "{s:?}");
        assert_eq!(s.marker, pb::MarkerStatus::Recording as i32, "{s:?}");
    }
    collect(
        client
            .drain(pb::DrainRequest {
                database: DB.into(),
                ..Default::default()
            })
            .await
            .expect("drain")
            .into_inner(),
    )
    .await;
    client
        .cutover(pb::CutoverRequest {
            database: DB.into(),
            ..Default::default()
        })
        .await
        .expect("cutover");
    let after = status(client).await;
    assert!(after.cutover_complete, "{after:?}");
    drop(agent);
}

/// A status asked right after the service wrote counts that write, however
/// recently another status was computed, for one poller or many: a
/// computation that started before the request is never its answer (a
/// reused one once showed "0 writes not yet carried back" with 49 pending).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_asked_after_the_service_wrote_counts_the_write() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    drop(fixture::create_old(&old, 50));
    let (agent, client) = agent(&old, &new).await;
    let migrate = pb::MigrateRequest {
        database: DB.into(),
        schema: schema(),
        ..Default::default()
    };
    let mut c = client.clone();
    collect(c.migrate(migrate).await.expect("migrate").into_inner()).await;
    let entries = |mut c: MigratorClient<Channel>| async move {
        let request = pb::StatusRequest {
            database: DB.into(),
        };
        let s = c.status(request).await.expect("status").into_inner();
        s.log_entries.expect("a recording old database has a log")
    };
    // The service, on its own connection, as it would between two polls.
    let service = rusqlite::Connection::open(&old).expect("the service's connection");
    for n in 1..=20u64 {
        let before = entries(client.clone()).await;
        service
            .execute("UPDATE Product SET Price = Price + 1 WHERE rowid = 1", [])
            .expect("the service's write");
        let polls: Vec<_> = (0..n % 4 + 1)
            .map(|_| tokio::spawn(entries(client.clone())))
            .collect();
        for p in polls {
            let after = p.await.expect("poll task");
            assert_eq!(after, before + 1, "write {n}: status did not count it");
        }
    }
    drop(agent);
}
