//! Who may make a request, and which database it names: its configuration,
//! by name, from the agent's config (requests never carry a path). Every
//! handler authorizes and resolves before it converts the request or starts
//! anything ([`MigratorService::resolve`]).

use std::sync::Arc;

use tonic::Request;

use super::authorize::require;
use super::convert::NamesDatabase;
use super::{blocking, MigratorService, ServiceError};
use crate::config::{DatabaseConfig, Role};
use crate::engine::EngineError;
use crate::jobs::JobError;

/// A request its caller may make, for a database this agent serves.
pub(super) struct Resolved<T> {
    /// The caller's identity, for the job's owner and the log.
    pub who: String,
    pub request: T,
    pub config: DatabaseConfig,
}

impl MigratorService {
    /// Authorizes the caller for `rpc` (`needed`, or a stronger role), then
    /// resolves the database the request names.
    pub(super) async fn resolve<T: NamesDatabase>(
        &self,
        req: Request<T>,
        needed: Role,
        rpc: &str,
    ) -> Result<Resolved<T>, ServiceError> {
        let who = require(&req, needed, rpc)?;
        let request = req.into_inner();
        let config = self.config(request.database_name()).await?;
        Ok(Resolved {
            who,
            request,
            config,
        })
    }

    /// The configuration of the named database; an empty name means the
    /// agent's only database. A name not served yet may be a tenant added
    /// to a database set since the last discovery: the sets' folders are
    /// read again once.
    pub(super) async fn config(&self, name: &str) -> Result<DatabaseConfig, ServiceError> {
        match self.known(name) {
            Err(ServiceError::Jobs(JobError::UnknownDatabase { .. }))
                if self.registry.has_sets() =>
            {
                let registry = Arc::clone(&self.registry);
                let name = name.to_string();
                blocking(move || {
                    registry
                        .rediscover()
                        .map_err(|e| ServiceError::from(EngineError::File(e)))?;
                    Ok(registry.database(&name)?)
                })
                .await
            }
            found => found,
        }
    }

    /// The configuration of a database served now, without discovery: for
    /// calls about work already running on it.
    pub(super) fn known(&self, name: &str) -> Result<DatabaseConfig, ServiceError> {
        if name.is_empty() {
            let mut all = self.registry.databases();
            if all.len() == 1 {
                return Ok(all.remove(0));
            }
            let names: Vec<&str> = all.iter().take(10).map(|d| d.name.as_str()).collect();
            let more = all.len().saturating_sub(names.len());
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            return Err(ServiceError::InvalidRequest(format!(
                "database is empty and this agent serves several ({}{more}): pass --database NAME",
                names.join(", ")
            )));
        }
        if !crate::config::valid_name(name) {
            return Err(ServiceError::InvalidRequest(format!(
                "database = {name:?} is not a database name: requests name a database configured on the agent, never a path; list them with `mig databases`"
            )));
        }
        Ok(self.registry.database(name)?)
    }
}
