//! Every `mig.v1` call's record, written once it is answered: counted by
//! method and status code for the metrics and, for a call that may change
//! something, one `mig::audit` line with the caller, the database, the
//! migration id and the outcome. The id is read before the call works (the
//! files as the call found them; for a `Migrate` that starts one, the id it
//! takes), never beside a job that already reads them, and only when the
//! audit line is logged at all.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tonic::{Request, Response, Status};

use super::authorize::{caller, disclosure};
use super::convert::NamesDatabase;
use super::{code_name, MigratorService, ServiceError};
use crate::engine::open::Busy;
use crate::engine::plan::quoted::Disclosure;
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
    /// How much of the old rows an error may quote to this caller.
    disclosure: Disclosure,
    database: String,
    /// The id a `Migrate` gives a migration it starts.
    fresh_id: Option<String>,
}

impl MigratorService {
    /// The record of a call about to be answered.
    pub(super) fn call<T: NamesDatabase>(
        &self,
        method: &'static str,
        audit: Audit,
        req: &Request<T>,
    ) -> Call {
        Call {
            registry: Arc::clone(&self.registry),
            method,
            audit,
            caller: caller(req),
            disclosure: disclosure(req),
            database: req.get_ref().database_name().to_string(),
            fresh_id: None,
        }
    }
}

impl Call {
    /// For a `Migrate`: the id the migration takes if it starts fresh.
    pub(super) fn fresh(mut self, id: &str) -> Self {
        self.fresh_id = Some(id.to_string());
        self
    }

    /// Reads the migration id (mutating calls), then runs `work` (a future
    /// does nothing until awaited), records its answer and returns it as
    /// tonic wants it.
    pub(super) async fn answer<T>(
        self,
        work: impl Future<Output = Result<T, ServiceError>>,
    ) -> Result<Response<T>, Status> {
        // Read only when the line is written: `mig` without an agent installs
        // no logger, and a full state read per command is its fixed cost.
        let logged = tracing::enabled!(target: "mig::audit", tracing::Level::INFO);
        let migration_id = match self.audit {
            Audit::Mutating if logged => self.files_migration_id().await.or(self.fresh_id.clone()),
            Audit::Mutating | Audit::ReadOnly => None,
        };
        let result = work.await.map_err(|e| e.status_for(self.disclosure));
        let code = result.as_ref().err().map_or(tonic::Code::Ok, |s| s.code());
        self.registry.metrics.rpc(self.method, code_name(code));
        if self.audit == Audit::Mutating {
            self.audit_line(migration_id.as_deref().unwrap_or(""), &result);
        }
        result.map(Response::new)
    }

    fn audit_line<T>(&self, migration_id: &str, result: &Result<T, Status>) {
        let (rpc, caller, database) = (self.method, self.caller.as_str(), self.database.as_str());
        match result {
            Ok(_) => {
                tracing::info!(target: "mig::audit", rpc, caller, database, migration_id, outcome = "OK", "call answered")
            }
            Err(e) => {
                let outcome = code_name(e.code());
                tracing::info!(target: "mig::audit", rpc, caller, database, migration_id, outcome, error = e.message(), "call refused")
            }
        }
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
