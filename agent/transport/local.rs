//! The embedded agent: the `mig` client without `--agent` runs the same
//! gRPC service in-process and talks to it over an in-memory duplex
//! channel, so local and remote runs take one code path.

use tonic::transport::Channel;

use crate::config::AgentConfig;

/// A running in-process agent and a channel to it.
pub struct LocalAgent {
    pub channel: Channel,
}

/// Starts the service in-process and connects a channel to it.
pub async fn start(config: AgentConfig) -> anyhow::Result<LocalAgent> {
    let _ = config;
    anyhow::bail!("the in-process agent is not built yet")
}

impl LocalAgent {
    /// Lets running jobs reach a checkpoint and stops the service.
    pub async fn shutdown(self) {}
}
