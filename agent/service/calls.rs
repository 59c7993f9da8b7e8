//! Every `mig.v1` call's record, written once it is answered: counted by
//! method and status code for the metrics and, for a call that may change
//! something, one `mig::audit` line with the caller, the database, the
//! migration id and the outcome. The id is read before the call works (the
//! files as the call found them; for a `Migrate` that starts one, the id it
//! takes), never beside a job that already reads them.

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
    /// The migration the files named when the call came in ("" when none).
    migration_id: String,
}

impl MigratorService {
    /// `fresh_id`: the id a `Migrate` call gives a migration it starts.
    pub(super) async fn call<T>(
        &self,
        method: &'static str,
        audit: Audit,
        req: &Request<T>,
        database: &str,
        fresh_id: Option<&str>,
    ) -> Call {
        let mut call = Call {
            registry: Arc::clone(&self.registry),
            method,
            audit,
            caller: caller(req),
            database: database.to_string(),
            migration_id: String::new(),
        };
        if audit == Audit::Mutating {
            call.migration_id = call
                .files_migration_id()
                .await
                .or_else(|| fresh_id.map(str::to_string))
                .unwrap_or_default();
        }
        call
    }
}

impl Call {
    /// Records the answer and returns it as tonic wants it.
    pub(super) async fn answer<T>(
        self,
        result: Result<T, ServiceError>,
    ) -> Result<Response<T>, Status> {
        let result = result.map_err(Status::from);
        let code = result.as_ref().err().map_or(tonic::Code::Ok, Status::code);
        self.registry.metrics.rpc(self.method, code_name(code));
        if self.audit == Audit::Mutating {
            let migration_id = &self.migration_id;
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

    /// The migration the database's files name now.
    async fn files_migration_id(&self) -> Option<String> {
        let config = self.registry.database(&self.database).ok()?;
        let busy = Busy(Duration::from_secs(1));
        tokio::task::spawn_blocking(move || hooks::migration_id(&config.spec, busy))
            .await
            .ok()
            .flatten()
    }
}
