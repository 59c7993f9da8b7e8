//! What an agent serves: its databases by name, and the defaults its jobs
//! run with. Validated here, before any file or socket is touched.

use std::time::Duration;

use crate::engine::paths::DatabaseSpec;

/// One database an agent serves. Requests name it; they never carry a path.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    pub name: String,
    pub spec: DatabaseSpec,
    /// How long a step waits for the service's lock before failing.
    pub busy_timeout: Duration,
    /// Accept an old database in rollback-journal mode (copy chunks then
    /// block the service's writers for their duration).
    pub allow_rollback_journal: bool,
}

impl DatabaseConfig {
    pub fn new(name: impl Into<String>, spec: DatabaseSpec) -> Self {
        DatabaseConfig {
            name: name.into(),
            spec,
            busy_timeout: Duration::from_secs(10),
            allow_rollback_journal: false,
        }
    }
}

/// Everything the service layer needs to serve requests.
#[derive(Debug, Clone, Default)]
pub struct AgentConfig {
    pub databases: Vec<DatabaseConfig>,
}
