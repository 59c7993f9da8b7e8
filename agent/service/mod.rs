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
mod disclosed;
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
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "a request's blocking work panicked (a bug)");
        Err(ServiceError::Panicked(e.to_string()))
    })
}

type Reply<T> = Result<Response<T>, Status>;

/// The `mig.v1.Migrator` impl from a table of its RPCs: the request and
/// reply, the method name its metrics and audit line carry, whether the
/// call gets an audit line (`calls.rs`), and the handler, an
/// `async fn(&MigratorService, Request<_>) -> Result<_, ServiceError>`
/// that authorizes, resolves, converts and starts. What does not fit the
/// table (the stream types, `migrate`) is in `written_out`.
macro_rules! migrator {
    (
        rpcs { $( $rpc:ident($request:ty) -> $reply:ty = $method:literal, $audit:ident, $handler:path; )* }
        written_out { $($rest:tt)* }
    ) => {
        #[tonic::async_trait]
        impl Migrator for MigratorService {
            $(
                async fn $rpc(&self, req: Request<$request>) -> Reply<$reply> {
                    let call = self.call($method, Audit::$audit, &req);
                    call.answer($handler(self, req)).await
                }
            )*
            $($rest)*
        }
    };
}

migrator! {
    rpcs {
        list_databases(pb::ListDatabasesRequest) -> pb::ListDatabasesResponse = "ListDatabases", ReadOnly, list::list;
        plan(pb::PlanRequest) -> pb::PlanReport = "Plan", ReadOnly, steps::plan;
        status(pb::StatusRequest) -> pb::StatusReport = "Status", ReadOnly, steps::status;
        drain(pb::DrainRequest) -> EventStream = "Drain", Mutating, jobs::drain;
        verify(pb::VerifyRequest) -> EventStream = "Verify", Mutating, jobs::verify;
        cutover(pb::CutoverRequest) -> pb::CutoverReport = "Cutover", Mutating, steps::cutover;
        cleanup_old(pb::CleanupOldRequest) -> pb::CleanupOldReport = "CleanupOld", Mutating, steps::cleanup_old;
        reset(pb::ResetRequest) -> pb::ResetReport = "Reset", Mutating, steps::reset;
        revert(pb::RevertRequest) -> EventStream = "Revert", Mutating, revert::revert;
        finalize(pb::FinalizeRequest) -> pb::FinalizeReport = "Finalize", Mutating, revert::finalize;
        watch(pb::WatchRequest) -> EventStream = "Watch", ReadOnly, jobs::watch;
        pause_job(pb::JobRef) -> pb::JobInfo = "PauseJob", Mutating, jobs::pause;
        resume_job(pb::JobRef) -> pb::JobInfo = "ResumeJob", Mutating, jobs::resume;
        cancel_job(pb::JobRef) -> pb::JobInfo = "CancelJob", Mutating, jobs::cancel;
        throttle(pb::ThrottleRequest) -> pb::ThrottleState = "Throttle", Mutating, steps::throttle;
        unthrottle(pb::UnthrottleRequest) -> pb::ThrottleState = "Unthrottle", Mutating, steps::unthrottle;
    }
    written_out {
        type MigrateStream = EventStream;
        type DrainStream = EventStream;
        type VerifyStream = EventStream;
        type RevertStream = EventStream;
        type WatchStream = EventStream;

        /// Written out: the call's audit line names the id a migration it
        /// starts will take, so the id is made before either.
        async fn migrate(&self, req: Request<pb::MigrateRequest>) -> Reply<EventStream> {
            let fresh = crate::engine::ops::new_migration_id();
            let call = self.call("Migrate", Audit::Mutating, &req).fresh(&fresh);
            call.answer(jobs::migrate(self, req, fresh)).await
        }
    }
}
