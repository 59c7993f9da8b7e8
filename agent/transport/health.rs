//! The optional plaintext health listener (`[health]`), for probes that
//! cannot present a client certificate. It serves `grpc.health.v1.Health`
//! only, from the same statuses as the mutual-TLS port, and by default
//! reveals only the agent's overall status (service `""`): a database's
//! status would name it. Nothing else listens there.

use std::net::SocketAddr;

use tokio::sync::watch;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::Server;
use tonic::{Request, Response, Status};
use tonic_health::pb::health_server::{Health, HealthServer};
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};
use tonic_health::server::{HealthReporter, HealthService};

use crate::config::{HealthListener, HealthReveal};
use crate::service::ServiceError;

/// The health service restricted to what `[health] reveal` allows.
struct PublicHealth {
    inner: HealthService,
    reveal: HealthReveal,
}

impl PublicHealth {
    /// An unrevealed service is answered exactly like an unknown one.
    fn check_allowed(&self, service: &str) -> Result<(), Status> {
        let allowed = match self.reveal {
            HealthReveal::Overall => service.is_empty(),
            HealthReveal::Databases => service.is_empty() || service.starts_with("mig.db."),
        };
        if allowed {
            Ok(())
        } else {
            Err(ServiceError::HealthNotRevealed.into())
        }
    }
}

#[tonic::async_trait]
impl Health for PublicHealth {
    async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        self.check_allowed(&request.get_ref().service)?;
        self.inner.check(request).await
    }

    type WatchStream = <HealthService as Health>::WatchStream;

    async fn watch(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        self.check_allowed(&request.get_ref().service)?;
        self.inner.watch(request).await
    }
}

/// Binds the health listener and serves it until `stop` turns true.
/// Returns the bound address.
pub async fn serve_public(
    config: &HealthListener,
    reporter: HealthReporter,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<SocketAddr> {
    let listener = super::bind(config.listen, "[health] listen").await?;
    let addr = listener.local_addr()?;
    let service = HealthServer::new(PublicHealth {
        inner: HealthService::from_health_reporter(reporter),
        reveal: config.reveal,
    });
    tokio::spawn(async move {
        let served = Server::builder()
            .add_service(service)
            .serve_with_incoming_shutdown(TcpListenerStream::new(listener), async move {
                let _ = stop.wait_for(|s| *s).await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!("the health listener stopped: {e}");
        }
    });
    Ok(addr)
}
