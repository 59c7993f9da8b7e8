//! The `mig-agent` listener: mutual TLS on a TCP address, serving
//! `mig.v1.Migrator`, `grpc.health.v1.Health` and server reflection, with
//! request limits and a graceful stop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::server::TcpIncoming;
use tonic::transport::Server;
use tonic_health::server::HealthReporter;
use tonic_health::ServingStatus;

use super::tls::{self, Authenticate};
use crate::config::AgentFile;
use crate::engine::status::Phase;
use crate::jobs::{self, PhaseReport, Registry};
use crate::proto::migrator_server::MigratorServer;
use crate::service::MigratorService;

/// How often the agent reads each database's phase and catches up.
const SUPERVISE_INTERVAL: Duration = Duration::from_millis(500);

/// How long a stopping agent waits for jobs to reach a checkpoint.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// The health service name of a database: `SERVING` once its new database
/// is ready (a readiness gate for the new service and load balancers).
pub fn health_name(database: &str) -> String {
    format!("mig.db.{database}")
}

/// Serves until `shutdown` resolves; `listening` is told the bound address
/// (the configured port may be 0).
pub async fn serve(
    file: AgentFile,
    listening: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let tls = tls::server_config(&file.tls)?;
    let incoming = TcpIncoming::bind(file.listen)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}; is the port in use?", file.listen))?
        .with_nodelay(Some(true));
    let addr = incoming.local_addr()?;
    let registry = Registry::new(file.agent.clone());

    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_serving::<MigratorServer<MigratorService>>()
        .await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(crate::proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let auth = Authenticate::new(file.access.clone());
    let migrator = MigratorServer::new(MigratorService::new(Arc::clone(&registry)))
        .max_decoding_message_size(file.limits.max_request_bytes);

    jobs::recover(&registry).await;
    let (phase_tx, phase_rx) = mpsc::channel::<PhaseReport>(64);
    let supervisor = tokio::spawn(jobs::supervise(
        Arc::clone(&registry),
        SUPERVISE_INTERVAL,
        phase_tx,
    ));
    let health_task = tokio::spawn(update_health(health.clone(), phase_rx));

    listening(addr);
    let stop_registry = Arc::clone(&registry);
    let result = Server::builder()
        .tls_config(tls)?
        .timeout(Duration::from_millis(file.limits.unary_timeout_ms))
        .max_concurrent_streams(file.limits.max_streams_per_client)
        .add_service(health_service)
        .add_service(InterceptedService::new(reflection, auth.clone()))
        .add_service(InterceptedService::new(migrator, auth))
        .serve_with_incoming_shutdown(incoming, async move {
            shutdown.await;
            tracing::info!("stopping: checkpointing running jobs");
            supervisor.abort();
            health_task.abort();
            super::drain_jobs(&stop_registry, SHUTDOWN_GRACE).await;
        })
        .await;
    result.map_err(|e| anyhow::anyhow!("the agent stopped serving: {e}"))
}

async fn update_health(health: HealthReporter, mut phases: mpsc::Receiver<PhaseReport>) {
    while let Some((name, phase)) = phases.recv().await {
        let status = match phase {
            Some(Phase::CutOver | Phase::Complete) => ServingStatus::Serving,
            _ => ServingStatus::NotServing,
        };
        health.set_service_status(health_name(&name), status).await;
    }
}
