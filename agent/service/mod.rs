//! The `mig.v1.Migrator` service: a thin adapter from requests to the jobs
//! registry and the engine. The only layer that knows proto types.
//!
//! Every handler reads the same way: authorize the caller
//! (`authorize.rs`), resolve the database by name (`resolve.rs`), convert
//! the request (`convert/`), start the job or step (`jobs.rs`, `steps.rs`,
//! `revert.rs`, `list.rs`), and the call's audit line and metrics once it
//! is answered (`calls.rs`). Errors become statuses in `error.rs` only.
//!
//! Blocking SQLite work runs on `spawn_blocking` (one-shot steps) or on a
//! job's own thread (migrate, drain); no handler holds a lock across an
//! `.await`.

mod authorize;
mod calls;
mod convert;
mod error;
mod jobs;
mod list;
mod resolve;
mod revert;
mod status_cache;
mod steps;
mod stream;

#[cfg(test)]
mod panics;

use std::pin::Pin;
use std::sync::Arc;

use tokio_stream::Stream;
use tonic::{Request, Response, Status};

pub use authorize::Caller;
pub use error::{code_name, engine_status, ServiceError};

use crate::jobs::Registry;
use crate::proto as pb;
use crate::proto::migrator_server::Migrator;
use calls::Audit;
use jobs::Control;

pub type EventStream = Pin<Box<dyn Stream<Item = Result<pb::JobEvent, Status>> + Send>>;

/// Agent-wide warnings `status` adds to every report (e.g. the agent's own
/// certificate expiring); the transport provides them.
pub type AgentNotes = Arc<dyn Fn() -> Vec<String> + Send + Sync>;

#[derive(Clone)]
pub struct MigratorService {
    registry: Arc<Registry>,
    status_cache: Arc<status_cache::StatusCache>,
    notes: Option<AgentNotes>,
}

impl MigratorService {
    pub fn new(registry: Arc<Registry>) -> Self {
        MigratorService {
            registry,
            status_cache: Arc::default(),
            notes: None,
        }
    }

    /// Adds `notes` to the warnings of every `status` report.
    pub fn with_notes(mut self, notes: AgentNotes) -> Self {
        self.notes = Some(notes);
        self
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }
}

/// Runs blocking SQLite work off the async workers; a panic there is a bug,
/// answered INTERNAL like a job's.
async fn blocking<T, F>(f: F) -> Result<T, ServiceError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ServiceError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(ServiceError::Panicked(e.to_string())))
}

type Reply<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl Migrator for MigratorService {
    async fn list_databases(
        &self,
        req: Request<pb::ListDatabasesRequest>,
    ) -> Reply<pb::ListDatabasesResponse> {
        let call = self.call("ListDatabases", Audit::ReadOnly, &req);
        call.answer(list::list(self, req)).await
    }

    async fn plan(&self, req: Request<pb::PlanRequest>) -> Reply<pb::PlanReport> {
        let call = self.call("Plan", Audit::ReadOnly, &req);
        call.answer(steps::plan(self, req)).await
    }

    async fn status(&self, req: Request<pb::StatusRequest>) -> Reply<pb::StatusReport> {
        let call = self.call("Status", Audit::ReadOnly, &req);
        call.answer(steps::status(self, req)).await
    }

    type MigrateStream = EventStream;

    async fn migrate(&self, req: Request<pb::MigrateRequest>) -> Reply<EventStream> {
        let fresh = crate::engine::ops::new_migration_id();
        let call = self.call("Migrate", Audit::Mutating, &req).fresh(&fresh);
        call.answer(jobs::migrate(self, req, fresh)).await
    }

    type DrainStream = EventStream;

    async fn drain(&self, req: Request<pb::DrainRequest>) -> Reply<EventStream> {
        let call = self.call("Drain", Audit::Mutating, &req);
        call.answer(jobs::drain(self, req)).await
    }

    type VerifyStream = EventStream;

    async fn verify(&self, req: Request<pb::VerifyRequest>) -> Reply<EventStream> {
        let call = self.call("Verify", Audit::Mutating, &req);
        call.answer(jobs::verify(self, req)).await
    }

    async fn cutover(&self, req: Request<pb::CutoverRequest>) -> Reply<pb::CutoverReport> {
        let call = self.call("Cutover", Audit::Mutating, &req);
        call.answer(steps::cutover(self, req)).await
    }

    async fn cleanup_old(
        &self,
        req: Request<pb::CleanupOldRequest>,
    ) -> Reply<pb::CleanupOldReport> {
        let call = self.call("CleanupOld", Audit::Mutating, &req);
        call.answer(steps::cleanup_old(self, req)).await
    }

    async fn reset(&self, req: Request<pb::ResetRequest>) -> Reply<pb::ResetReport> {
        let call = self.call("Reset", Audit::Mutating, &req);
        call.answer(steps::reset(self, req)).await
    }

    type RevertStream = EventStream;

    async fn revert(&self, req: Request<pb::RevertRequest>) -> Reply<EventStream> {
        let call = self.call("Revert", Audit::Mutating, &req);
        call.answer(revert::revert(self, req)).await
    }

    async fn finalize(&self, req: Request<pb::FinalizeRequest>) -> Reply<pb::FinalizeReport> {
        let call = self.call("Finalize", Audit::Mutating, &req);
        call.answer(revert::finalize(self, req)).await
    }

    type WatchStream = EventStream;

    async fn watch(&self, req: Request<pb::WatchRequest>) -> Reply<EventStream> {
        let call = self.call("Watch", Audit::ReadOnly, &req);
        call.answer(async { jobs::watch(self, req) }).await
    }

    async fn pause_job(&self, req: Request<pb::JobRef>) -> Reply<pb::JobInfo> {
        let call = self.call("PauseJob", Audit::Mutating, &req);
        call.answer(async { jobs::control(self, req, Control::Pause) })
            .await
    }

    async fn resume_job(&self, req: Request<pb::JobRef>) -> Reply<pb::JobInfo> {
        let call = self.call("ResumeJob", Audit::Mutating, &req);
        call.answer(async { jobs::control(self, req, Control::Resume) })
            .await
    }

    async fn cancel_job(&self, req: Request<pb::JobRef>) -> Reply<pb::JobInfo> {
        let call = self.call("CancelJob", Audit::Mutating, &req);
        call.answer(async { jobs::control(self, req, Control::Cancel) })
            .await
    }

    async fn throttle(&self, req: Request<pb::ThrottleRequest>) -> Reply<pb::ThrottleState> {
        let call = self.call("Throttle", Audit::Mutating, &req);
        call.answer(async { steps::throttle(self, req) }).await
    }

    async fn unthrottle(&self, req: Request<pb::UnthrottleRequest>) -> Reply<pb::ThrottleState> {
        let call = self.call("Unthrottle", Audit::Mutating, &req);
        call.answer(async { steps::unthrottle(self, req) }).await
    }
}
