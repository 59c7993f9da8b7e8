//! The embedded agent: the `mig` client without `--agent` runs the same
//! gRPC service in-process and talks to it over an in-memory duplex
//! stream, so local and remote runs take one code path.

use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::TokioIo;
use tokio::task::JoinHandle;
use tonic::transport::{Channel, Endpoint, Server, Uri};

use crate::config::AgentConfig;
use crate::jobs::Registry;

/// Bytes buffered in each direction of the in-memory connection.
const DUPLEX_BUFFER: usize = 1 << 20;

/// How long `shutdown` waits for running jobs to reach a checkpoint.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// A running in-process agent and a channel to it.
pub struct LocalAgent {
    pub channel: Channel,
    registry: Arc<Registry>,
    server: JoinHandle<()>,
}

/// Starts the service in-process and connects a channel to it.
pub async fn start(config: AgentConfig) -> anyhow::Result<LocalAgent> {
    let registry = Registry::new(config);
    let (client_io, server_io) = tokio::io::duplex(DUPLEX_BUFFER);
    let routes = super::migrator(Arc::clone(&registry));
    let server = tokio::spawn(async move {
        let incoming = tokio_stream::once(Ok::<_, std::io::Error>(server_io));
        if let Err(e) = Server::builder()
            .add_service(routes)
            .serve_with_incoming(incoming)
            .await
        {
            tracing::error!("the in-process agent stopped: {e}");
        }
    });
    let mut client_io = Some(client_io);
    let channel = Endpoint::from_static("http://in-process.invalid")
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let io = client_io.take();
            async move {
                io.map(TokioIo::new).ok_or_else(|| {
                    std::io::Error::other("the in-process agent accepts a single connection")
                })
            }
        }))
        .await?;
    Ok(LocalAgent {
        channel,
        registry,
        server,
    })
}

impl LocalAgent {
    /// Stops running jobs at their next checkpoint, then the service.
    pub async fn shutdown(self) {
        super::shutdown_jobs(&self.registry, SHUTDOWN_GRACE).await;
        self.server.abort();
    }
}
