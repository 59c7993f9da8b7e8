//! Every `mig.v1` call's record, written once it is answered: counted by
//! method and status code for the metrics and, for a call that may change
//! something, one `mig::audit` line with the caller, the database, the
//! migration id its files name and the outcome.

use std::sync::Arc;
use std::time::Duration;

use tonic::{Request, Response, Status};

use super::{caller, code_name, MigratorService, ServiceError};
use crate::engine::open::Busy;
use crate::jobs::{hooks, Registry};

/// Whether a call gets a `mig::audit` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Audit {
    /// It may change a database, a job or a throttle.
    Mutating,
    ReadOnly,
}

/// A call being answered.
pub(super) struct Call {
    registry: Arc<Registry>,
    method: &'static str,
    audit: Audit,
    caller: String,
    database: String,
    /// The id a migration the call starts takes when the files name none.
    fresh_id: Option<String>,
}

impl MigratorService {
    pub(super) fn call<T>(
        &self,
        method: &'static str,
        audit: Audit,
        req: &Request<T>,
        database: &str,
    ) -> Call {
        Call {
            registry: Arc::clone(&self.registry),
            method,
            audit,
            caller: caller(req),
            database: database.to_string(),
            fresh_id: None,
        }
    }
}

impl Call {
    /// A `Migrate` call: a migration it starts fresh takes `id`.
    pub(super) fn naming(mut self, id: &str) -> Self {
        self.fresh_id = Some(id.to_string());
        self
    }

    /// Records the answer and returns it as tonic wants it.
    pub(super) async fn answer<T>(
        self,
        result: Result<T, ServiceError>,
    ) -> Result<Response<T>, Status> {
        let result = result.map_err(Status::from);
        let code = result.as_ref().err().map_or(tonic::Code::Ok, Status::code);
        self.registry.metrics.rpc(self.method, code_name(code));
        if self.audit == Audit::Mutating {
            let migration_id = self.migration_id().await;
            let outcome = code_name(code);
            match &result {
                Ok(_) => {
                    tracing::info!(target: "mig::audit", rpc = self.method, caller = self.caller.as_str(), database = self.database.as_str(), migration_id = migration_id.as_str(), outcome, "call answered")
                }
                Err(e) => {
                    tracing::info!(target: "mig::audit", rpc = self.method, caller = self.caller.as_str(), database = self.database.as_str(), migration_id = migration_id.as_str(), outcome, error = e.message(), "call refused")
                }
            }
        }
        result.map(Response::new)
    }

    /// The migration the database's files name now, else the one the call
    /// starts ("" when neither).
    async fn migration_id(&self) -> String {
        let fresh = self.fresh_id.clone().unwrap_or_default();
        let Ok(config) = self.registry.database(&self.database) else {
            return fresh;
        };
        let busy = Busy(Duration::from_secs(1));
        tokio::task::spawn_blocking(move || hooks::migration_id(&config.spec, busy))
            .await
            .ok()
            .flatten()
            .unwrap_or(fresh)
    }
}
