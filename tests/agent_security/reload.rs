//! TLS files reloaded while serving, by the agent itself (it compares them
//! every second): a client revoked in `crl.pem` is refused at its next
//! handshake while a migrate job keeps copying, and a renewed agent
//! certificate is served to new connections while an open `watch` stream
//! goes on to the job's end.

use mig::proto as pb;
use mig::proto::job_event::Event;
use mig::transport::certs::{self, RevokeOld};

use super::{running_job, slow_migrate, RELOAD_WAIT};
use crate::support::agent::{Setup, TestAgent};
use crate::support::fixture;
use crate::support::pki::{eventually, serial_of_file, served_serial};

fn shop(dir: &std::path::Path, rows: i64, setup: Setup) -> TestAgent {
    let (old, new) = (dir.join("old.db"), dir.join("new.db"));
    drop(fixture::create_old(&old, rows));
    TestAgent::start_with(dir, &[("shop", &old, &new)], setup)
}

async fn unthrottle(agent: &TestAgent) {
    agent
        .client(Some("operator"))
        .unthrottle(pb::UnthrottleRequest {
            database: "shop".into(),
        })
        .await
        .expect("unthrottle");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_client_is_refused_after_the_crl_reload_while_the_job_keeps_running() {
    let dir = tempfile::tempdir().expect("tempdir");
    let setup = Setup {
        crl: true,
        ..Setup::default()
    };
    let agent = shop(dir.path(), 20_000, setup);
    let mut op = agent.client(Some("operator"));
    let job = slow_migrate(&mut op, "shop", 2_000.0).await;
    let mut viewer = agent.client(Some("viewer"));
    assert_eq!(
        running_job(&mut viewer, "shop").await.as_deref(),
        Some(job.as_str())
    );

    let revoked = certs::revoke(&agent.certs, "viewer").expect("revoke");
    assert_eq!(revoked.entries, 1);
    // Each attempt is a new connection, hence a new handshake.
    let refusal = eventually("the viewer refused", RELOAD_WAIT, || async {
        let mut fresh = agent.client(Some("viewer"));
        fresh
            .status(pb::StatusRequest {
                database: "shop".into(),
            })
            .await
            .err()
    })
    .await;
    assert!(
        !matches!(
            refusal.code(),
            tonic::Code::Ok | tonic::Code::PermissionDenied
        ),
        "refused at the handshake, not by a role: {refusal:?}"
    );
    // The agent logs the refused handshake after the client has seen it.
    eventually(
        "the agent's log of the revoked handshake",
        RELOAD_WAIT,
        || async {
            agent
                .log()
                .contains("invalid peer certificate: Revoked")
                .then_some(())
        },
    )
    .await;

    // The job was never interrupted: same job, still live; then it ends.
    let mut op = agent.client(Some("operator"));
    assert_eq!(
        running_job(&mut op, "shop").await.as_deref(),
        Some(job.as_str())
    );
    unthrottle(&agent).await;
    let end = last_event(&mut op, &job, 0).await;
    assert!(matches!(end, Some(Event::Completed(_))), "{end:?}");
}

/// Reads the job's stream from `from_seq` to its terminal event.
async fn last_event(
    client: &mut mig::proto::migrator_client::MigratorClient<tonic::transport::Channel>,
    job: &str,
    from_seq: u64,
) -> Option<Event> {
    let mut stream = client
        .watch(pb::WatchRequest {
            database: "shop".into(),
            job_id: job.into(),
            from_seq,
        })
        .await
        .expect("watch")
        .into_inner();
    let mut last = None;
    while let Some(e) = stream.message().await.expect("an event") {
        last = e.event;
    }
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewed_agent_certificate_is_served_to_new_connections_while_a_watch_stream_continues() {
    let dir = tempfile::tempdir().expect("tempdir");
    let agent = shop(dir.path(), 20_000, Setup::default());
    let mut op = agent.client(Some("operator"));
    let job = slow_migrate(&mut op, "shop", 2_000.0).await;
    let mut stream = op
        .watch(pb::WatchRequest {
            database: "shop".into(),
            job_id: job.clone(),
            from_seq: 0,
        })
        .await
        .expect("watch")
        .into_inner();
    let first = stream.message().await.expect("event").expect("an event");

    let ca = agent.certs.join("ca.pem");
    let before = served_serial(&agent.addr, &ca).await;
    assert_eq!(before, serial_of_file(&agent.certs.join("agent.pem")));
    certs::renew(&agent.certs, "agent", 30, RevokeOld::No).expect("renew");
    let renewed = serial_of_file(&agent.certs.join("agent.pem"));
    assert_ne!(renewed, before);
    eventually("the renewed certificate served", RELOAD_WAIT, || async {
        (served_serial(&agent.addr, &ca).await == renewed).then_some(())
    })
    .await;

    // The stream opened before the renewal carries on to the job's end.
    unthrottle(&agent).await;
    let mut seq = first.seq;
    let mut last = None;
    while let Some(e) = stream.message().await.expect("the old stream goes on") {
        assert!(e.seq > seq, "events in order");
        seq = e.seq;
        last = e.event;
    }
    assert!(matches!(last, Some(Event::Completed(_))), "{last:?}");
    assert!(seq > first.seq + 1, "events after the renewal");
}
