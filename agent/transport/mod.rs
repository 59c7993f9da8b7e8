//! Listeners and channels: the in-process channel the local `mig` uses
//! (`local.rs`), and `mig-agent`'s listeners (`server.rs`): the mutual-TLS
//! port (`tls/`: the rustls configuration, per-connection handshakes,
//! certificate reloads; `auth.rs`: the caller's identity and role, checked
//! on every call), the optional plaintext health (`health.rs`) and
//! Prometheus (`metrics.rs`) listeners, and `--insecure-listen` for tests.
//! All serve the same `mig.v1` service; SIGHUP re-reads `agent.toml`
//! (`config_reload.rs`); `certs/` is `mig certs`. The transport's refusals
//! become statuses in `service/error.rs`, like every other error.

pub mod auth;
pub mod certs;
mod config_reload;
mod health;
pub mod local;
mod metrics;
pub mod server;
pub mod tls;

use std::sync::Arc;
use std::time::Duration;

use crate::jobs::Registry;
use crate::proto::migrator_server::MigratorServer;
use crate::service::MigratorService;

/// Binds a listener, or says which setting names the address in use.
/// `setting`: where the address came from (`"[health] listen"`).
pub(crate) async fn bind(
    addr: std::net::SocketAddr,
    setting: &str,
) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        anyhow::anyhow!("cannot listen on {addr} ({setting}): {e}; is the port in use?")
    })
}

/// Waits for every job the registry was running to end after it was told
/// to shut down (each stops at its next chunk boundary, committed).
pub async fn shutdown_jobs(registry: &Arc<Registry>, grace: Duration) {
    let jobs = registry.shut_down();
    let wait_all = async {
        for job in jobs {
            let mut tick = job.subscribe();
            while job.state().is_live() {
                if tick.changed().await.is_err() {
                    break;
                }
            }
        }
    };
    if tokio::time::timeout(grace, wait_all).await.is_err() {
        tracing::warn!("jobs did not stop within {grace:?}; their last committed chunk is kept");
    }
}

/// The `mig.v1.Migrator` service for a registry.
pub fn migrator(registry: Arc<Registry>) -> MigratorServer<MigratorService> {
    MigratorServer::new(MigratorService::new(registry))
}
