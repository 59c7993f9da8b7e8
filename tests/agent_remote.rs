//! Real `mig-agent` processes on loopback ports with certificates generated
//! per run: the refusals of the security model, and a migration that
//! survives the agent being SIGKILLed mid-copy.

use mig::proto as pb;
use tokio_stream::StreamExt;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

use crate::support::agent::{make_certs, TestAgent};
use crate::support::{fixture, oracle, writer::Writer};

fn schema_source(sql: &str) -> Option<pb::SchemaSource> {
    Some(pb::SchemaSource {
        file_name: "schema.sql".into(),
        sql: sql.into(),
    })
}

fn status_req(db: &str) -> pb::StatusRequest {
    pb::StatusRequest {
        database: db.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_refusals_get_documented_codes_and_the_agent_keeps_serving() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    let lock = fixture::create_old(&old, 20);
    let agent = TestAgent::start(dir.path(), &[("shop", &old, &new)]);

    let err = agent
        .client(None)
        .status(status_req("shop"))
        .await
        .expect_err("no certificate");
    assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
    assert!(
        err.message().contains("no client certificate"),
        "{}",
        err.message()
    );

    let other = tempfile::tempdir().expect("tempdir");
    let foreign = make_certs(other.path());
    let err =
        mig::proto::migrator_client::MigratorClient::new(agent.channel(&foreign, Some("operator")))
            .status(status_req("shop"))
            .await
            .expect_err("a certificate from another CA");
    // Refused in the TLS handshake: the agent never sees a request.
    // (the client sees the connection fail, however hyper words it).
    assert!(
        matches!(
            err.code(),
            Code::Unknown | Code::Unavailable | Code::Cancelled
        ),
        "{err:?}"
    );

    let mut viewer = agent.client(Some("viewer"));
    viewer
        .status(status_req("shop"))
        .await
        .expect("a viewer may read status");
    let err = viewer
        .drain(pb::DrainRequest {
            database: "shop".into(),
            ..Default::default()
        })
        .await
        .expect_err("a viewer may not drain");
    assert_eq!(err.code(), Code::PermissionDenied);
    assert!(
        err.message().contains("viewer") && err.message().contains("operator"),
        "{}",
        err.message()
    );

    let err = agent
        .client(Some("stranger"))
        .status(status_req("shop"))
        .await
        .expect_err("no role");
    assert_eq!(err.code(), Code::PermissionDenied);
    assert!(err.message().contains("stranger"), "{}", err.message());

    let mut op = agent.client(Some("operator"));
    let err = op
        .status(status_req("elsewhere"))
        .await
        .expect_err("unknown database");
    assert_eq!(err.code(), Code::NotFound);
    let err = op
        .status(status_req("../old.db"))
        .await
        .expect_err("a path");
    assert_eq!(err.code(), Code::InvalidArgument);

    let huge = format!(
        "CREATE TABLE t (id INTEGER PRIMARY KEY);\n{}",
        "-- padding\n".repeat(10_000)
    );
    let err = op
        .plan(pb::PlanRequest {
            database: "shop".into(),
            schema: schema_source(&huge),
            ..Default::default()
        })
        .await
        .expect_err("oversized schema");
    assert!(
        matches!(err.code(), Code::OutOfRange | Code::ResourceExhausted),
        "{err:?}"
    );

    // The service holds the write lock, so the first job keeps running.
    lock.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let mut first = op
        .migrate(pb::MigrateRequest {
            database: "shop".into(),
            schema: schema_source(fixture::NEW_SCHEMA),
            ..Default::default()
        })
        .await
        .expect("migrate")
        .into_inner();
    let started = first.next().await.expect("event").expect("event");
    let err = op
        .migrate(pb::MigrateRequest {
            database: "shop".into(),
            schema: schema_source(fixture::NEW_SCHEMA),
            ..Default::default()
        })
        .await
        .expect_err("second job");
    assert_eq!(err.code(), Code::Aborted);
    assert!(err.message().contains(&started.job_id), "{}", err.message());
    lock.execute_batch("ROLLBACK").expect("unlock");
    let mut last = None;
    while let Some(e) = first.next().await {
        last = e.expect("event").event;
    }
    assert!(
        matches!(last, Some(pb::job_event::Event::Completed(_))),
        "{last:?}"
    );

    let st = op
        .status(status_req("shop"))
        .await
        .expect("still serving")
        .into_inner();
    assert_eq!(st.phase(), pb::Phase::Recording);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_killed_mid_copy_resumes_after_restart_and_matches_oracle() {
    use pb::job_event::Event as E;
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    drop(fixture::create_old(&old, 30_000));
    let mut agent = TestAgent::start(dir.path(), &[("shop", &old, &new)]);
    let writer = Writer::start(old.clone(), 5);
    let mut op = agent.client(Some("operator"));
    let mut stream = op
        .migrate(pb::MigrateRequest {
            database: "shop".into(),
            schema: schema_source(fixture::NEW_SCHEMA),
            ..Default::default()
        })
        .await
        .expect("migrate")
        .into_inner();
    loop {
        match stream.next().await.expect("copy progress before the end") {
            Ok(pb::JobEvent {
                event: Some(E::Copy(c)),
                ..
            }) if c.rows_done > 0 && c.rows_done < c.rows_total => break,
            Ok(pb::JobEvent {
                event: Some(E::Completed(_)),
                ..
            }) => panic!("the copy finished before the agent could be killed"),
            Ok(_) => {}
            Err(e) => panic!("stream failed: {e}"),
        }
    }
    agent.kill();
    agent.spawn();

    let mut op = agent.client(Some("operator"));
    let st = op
        .status(status_req("shop"))
        .await
        .expect("status")
        .into_inner();
    let job = st
        .running_job
        .expect("the restarted agent resumes the copy by itself");
    assert_eq!(job.kind(), pb::JobKind::Migrate);
    let mut watch = op
        .watch(pb::WatchRequest {
            database: "shop".into(),
            job_id: job.job_id.clone(),
            from_seq: 0,
        })
        .await
        .expect("watch")
        .into_inner();
    let mut last = None;
    while let Some(e) = watch.next().await {
        last = e.expect("event").event;
    }
    assert!(matches!(last, Some(E::Completed(_))), "{last:?}");

    let mut health = HealthClient::new(agent.channel(&agent.certs, Some("viewer")));
    let gate = health
        .check(HealthCheckRequest {
            service: "mig.db.shop".into(),
        })
        .await
        .expect("health")
        .into_inner();
    assert_eq!(gate.status(), ServingStatus::NotServing);

    let mut drain = op
        .drain(pb::DrainRequest {
            database: "shop".into(),
            ..Default::default()
        })
        .await
        .expect("drain")
        .into_inner();
    let mut last = None;
    while let Some(e) = drain.next().await {
        last = e.expect("event").event;
    }
    assert!(matches!(last, Some(E::Completed(_))), "{last:?}");
    let stats = writer.stop();
    op.cutover(pb::CutoverRequest {
        database: "shop".into(),
        ..Default::default()
    })
    .await
    .expect("cutover");
    let compared = oracle::assert_matches(&old, &new);
    assert!(compared > 30_000, "compared {compared} rows");
    assert!(stats.committed > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_checkpoints_the_running_job_and_ends_its_stream_with_a_cancelled_event() {
    use pb::job_event::Event as E;
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    drop(fixture::create_old(&old, 30_000));
    let mut agent = TestAgent::start(dir.path(), &[("shop", &old, &new)]);
    let mut op = agent.client(Some("operator"));
    let mut stream = op
        .migrate(pb::MigrateRequest {
            database: "shop".into(),
            schema: schema_source(fixture::NEW_SCHEMA),
            ..Default::default()
        })
        .await
        .expect("migrate")
        .into_inner();
    loop {
        match stream.next().await.expect("an event").expect("event").event {
            Some(E::Copy(c)) if c.rows_done > 0 && c.rows_done < c.rows_total => break,
            Some(E::Completed(_)) => panic!("the copy finished before SIGTERM"),
            _ => {}
        }
    }
    let code = agent.terminate();
    let mut last = None;
    while let Some(Ok(e)) = stream.next().await {
        last = e.event;
    }
    let Some(E::Cancelled(c)) = last else {
        panic!("the stream must end with a cancelled event, got {last:?}")
    };
    assert!(c.message.contains("shutting down"), "{}", c.message);
    assert_eq!(code, Some(0), "a SIGTERMed agent exits cleanly");

    agent.spawn();
    let mut op = agent.client(Some("operator"));
    let st = op
        .status(status_req("shop"))
        .await
        .expect("status")
        .into_inner();
    let job = st
        .running_job
        .expect("the restarted agent resumes the copy");
    let mut watch = op
        .watch(pb::WatchRequest {
            database: "shop".into(),
            job_id: job.job_id,
            from_seq: 0,
        })
        .await
        .expect("watch")
        .into_inner();
    let mut resumed = false;
    let mut last = None;
    while let Some(e) = watch.next().await {
        let e = e.expect("event").event;
        if let Some(E::Completed(pb::JobCompleted {
            summary: Some(pb::job_completed::Summary::Migrate(m)),
        })) = &e
        {
            resumed = m.resumed;
        }
        last = e;
    }
    assert!(matches!(last, Some(E::Completed(_))), "{last:?}");
    assert!(resumed, "the second run must resume, not start over");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflection_lists_the_contract_for_stock_tools_and_needs_a_certificate() {
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    use tonic_reflection::pb::v1::ServerReflectionRequest;

    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    drop(fixture::create_old(&old, 5));
    let agent = TestAgent::start(dir.path(), &[("shop", &old, &new)]);
    let list = || {
        tokio_stream::once(ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        })
    };
    let mut client = ServerReflectionClient::new(agent.channel(&agent.certs, Some("viewer")));
    let mut responses = client
        .server_reflection_info(list())
        .await
        .expect("reflection")
        .into_inner();
    let response = responses
        .next()
        .await
        .expect("a response")
        .expect("response");
    let Some(MessageResponse::ListServicesResponse(services)) = response.message_response else {
        panic!("unexpected reflection response {response:?}")
    };
    let names: Vec<String> = services.service.into_iter().map(|s| s.name).collect();
    assert!(names.iter().any(|n| n == "mig.v1.Migrator"), "{names:?}");

    let mut anonymous = ServerReflectionClient::new(agent.channel(&agent.certs, None));
    let err = match anonymous.server_reflection_info(list()).await {
        Err(e) => e,
        Ok(r) => match r.into_inner().next().await {
            Some(Err(e)) => e,
            other => panic!("reflection without a certificate must be refused, got {other:?}"),
        },
    };
    assert_eq!(err.code(), Code::Unauthenticated);
}
