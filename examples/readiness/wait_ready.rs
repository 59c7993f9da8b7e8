//! Waits until mig has cut a database over, as a new service does before it
//! writes: a `Watch` on the agent's `[health]` listener (`reveal =
//! "databases"`), which the agent pushes `SERVING` to the moment the cutover
//! commits. Needs `tonic` and `tonic-health`; the README shows it, and the
//! integration tests run it.

use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

/// Returns once `mig.db.<database>` is `SERVING` at `url` (e.g.
/// `http://127.0.0.1:8081`).
pub async fn wait_until_ready(
    url: String,
    database: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let channel = tonic::transport::Endpoint::from_shared(url)?
        .connect()
        .await?;
    let mut health = HealthClient::new(channel);
    let request = HealthCheckRequest {
        service: format!("mig.db.{database}"),
    };
    let mut statuses = health.watch(request).await?.into_inner();
    while let Some(reply) = statuses.message().await? {
        if reply.status() == ServingStatus::Serving {
            return Ok(());
        }
    }
    Err("the agent closed the health stream".into())
}
