//! The plaintext `[health]` listener: it answers a probe without a
//! certificate with the agent's overall status only, unless `reveal =
//! "databases"`; every other service stays on the mutual-TLS port.

use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_check_response::ServingStatus as S;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

use crate::support::agent::{Setup, TestAgent};
use crate::support::fixture;

async fn check(agent: &TestAgent, service: &str) -> Result<ServingStatus, Code> {
    let url = format!(
        "http://{}",
        agent.health_addr.as_deref().expect("a health listener")
    );
    let channel = tonic::transport::Endpoint::from_shared(url)
        .expect("url")
        .connect()
        .await
        .expect("connect");
    let mut client = HealthClient::new(channel);
    client
        .check(HealthCheckRequest {
            service: service.into(),
        })
        .await
        .map(|r| r.into_inner().status())
        .map_err(|e| e.code())
}

fn agent_with(dir: &std::path::Path, reveal: &'static str) -> TestAgent {
    let (old, new) = (dir.join("old.db"), dir.join("new.db"));
    drop(fixture::create_old(&old, 5));
    let setup = Setup {
        health: Some(reveal),
        ..Setup::default()
    };
    TestAgent::start_with(dir, &[("shop", &old, &new)], setup)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_health_listener_reveals_only_overall_status_unless_configured() {
    let dir = tempfile::tempdir().expect("tempdir");
    let agent = agent_with(dir.path(), "overall");
    assert_eq!(check(&agent, "").await, Ok(S::Serving));
    for hidden in ["mig.db.shop", "mig.v1.Migrator", "mig.db.nope"] {
        assert_eq!(check(&agent, hidden).await, Err(Code::NotFound), "{hidden}");
    }
    // Nothing but health listens there.
    let url = format!("http://{}", agent.health_addr.as_deref().expect("health"));
    let err = mig::proto::migrator_client::MigratorClient::connect(url)
        .await
        .expect("connect")
        .list_databases(mig::proto::ListDatabasesRequest::default())
        .await
        .expect_err("the migrator on the health port");
    assert_eq!(err.code(), Code::Unimplemented);

    let dir = tempfile::tempdir().expect("tempdir");
    let agent = agent_with(dir.path(), "databases");
    assert_eq!(check(&agent, "").await, Ok(S::Serving));
    let shop =
        crate::support::pki::eventually("the database's status", super::RELOAD_WAIT, || async {
            check(&agent, "mig.db.shop").await.ok()
        })
        .await;
    assert_eq!(shop, S::NotServing, "not cut over: not ready");
    assert_eq!(check(&agent, "mig.v1.Migrator").await, Err(Code::NotFound));
}
