//! The `mig.v1.Migrator` service: a thin adapter from requests to the jobs
//! registry and the engine. The only layer that knows proto types.
//!
//! Blocking SQLite work runs on `spawn_blocking` (one-shot steps) or on a
//! job's own thread (migrate, drain); no handler holds a lock across an
//! `.await`.

mod calls;
mod convert;
mod convert_revert;
mod error;
mod jobs;
mod list;
mod revert;
mod status_cache;
mod steps;
mod stream;

use std::pin::Pin;
use std::sync::Arc;

use tokio_stream::Stream;
use tonic::{Request, Response, Status};

pub use error::{code_name, engine_status, ServiceError};

use crate::config::Role;
use crate::jobs::Registry;
use crate::proto as pb;
use crate::proto::migrator_server::Migrator;
use calls::Audit;

/// Who made a request and what they may do. The TLS transport puts it into
/// the request's extensions from the client certificate; without one (the
/// in-process agent) the caller is the local operator.
#[derive(Debug, Clone)]
pub struct Caller {
    pub identity: String,
    pub role: Role,
}

/// The identity of a request's caller, for job ownership and audit lines.
fn caller<T>(req: &Request<T>) -> String {
    req.extensions()
        .get::<Caller>()
        .map_or_else(|| "local".to_string(), |c| c.identity.clone())
}

/// Refuses the call unless the caller has `needed` (or a stronger role).
fn require<T>(req: &Request<T>, needed: Role, rpc: &str) -> Result<String, ServiceError> {
    match req.extensions().get::<Caller>() {
        None => Ok("local".to_string()),
        Some(c) if c.role >= needed => Ok(c.identity.clone()),
        Some(c) => Err(ServiceError::PermissionDenied(format!(
            "{} has role {}; {rpc} needs role {}: use an operator's certificate or ask for the role in the agent's [access]",
            c.identity,
            c.role.as_str(),
            needed.as_str()
        ))),
    }
}

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

/// Runs blocking SQLite work off the async workers.
async fn blocking<T, F>(f: F) -> Result<T, ServiceError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ServiceError> + Send + 'static,
{
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(ServiceError::Internal(format!(
            "the request stopped on an internal error (a bug; see the agent log): {e}"
        )))
    })
}

#[tonic::async_trait]
impl Migrator for MigratorService {
    async fn list_databases(
        &self,
        req: Request<pb::ListDatabasesRequest>,
    ) -> Result<Response<pb::ListDatabasesResponse>, Status> {
        let call = self
            .call("ListDatabases", Audit::ReadOnly, &req, "", None)
            .await;
        call.answer(list::list(self, req).await).await
    }

    async fn plan(
        &self,
        req: Request<pb::PlanRequest>,
    ) -> Result<Response<pb::PlanReport>, Status> {
        let call = self
            .call("Plan", Audit::ReadOnly, &req, &req.get_ref().database, None)
            .await;
        call.answer(steps::plan(self, req).await).await
    }

    async fn status(
        &self,
        req: Request<pb::StatusRequest>,
    ) -> Result<Response<pb::StatusReport>, Status> {
        let call = self
            .call(
                "Status",
                Audit::ReadOnly,
                &req,
                &req.get_ref().database,
                None,
            )
            .await;
        call.answer(steps::status(self, req).await).await
    }

    type MigrateStream = EventStream;

    async fn migrate(
        &self,
        req: Request<pb::MigrateRequest>,
    ) -> Result<Response<EventStream>, Status> {
        let fresh = crate::engine::ops::new_migration_id();
        let database = req.get_ref().database.clone();
        let call = self
            .call("Migrate", Audit::Mutating, &req, &database, Some(&fresh))
            .await;
        call.answer(jobs::migrate(self, req, fresh).await).await
    }

    type DrainStream = EventStream;

    async fn drain(&self, req: Request<pb::DrainRequest>) -> Result<Response<EventStream>, Status> {
        let call = self
            .call(
                "Drain",
                Audit::Mutating,
                &req,
                &req.get_ref().database,
                None,
            )
            .await;
        call.answer(jobs::drain(self, req).await).await
    }

    type VerifyStream = EventStream;

    async fn verify(
        &self,
        req: Request<pb::VerifyRequest>,
    ) -> Result<Response<EventStream>, Status> {
        let call = self
            .call(
                "Verify",
                Audit::Mutating,
                &req,
                &req.get_ref().database,
                None,
            )
            .await;
        call.answer(jobs::verify(self, req).await).await
    }

    async fn cutover(
        &self,
        req: Request<pb::CutoverRequest>,
    ) -> Result<Response<pb::CutoverReport>, Status> {
        let call = self
            .call(
                "Cutover",
                Audit::Mutating,
                &req,
                &req.get_ref().database,
                None,
            )
            .await;
        call.answer(steps::cutover(self, req).await).await
    }

    async fn cleanup_old(
        &self,
        req: Request<pb::CleanupOldRequest>,
    ) -> Result<Response<pb::CleanupOldReport>, Status> {
        let call = self
            .call(
                "CleanupOld",
                Audit::Mutating,
                &req,
                &req.get_ref().database,
                None,
            )
            .await;
        call.answer(steps::cleanup_old(self, req).await).await
    }

    async fn reset(
        &self,
        req: Request<pb::ResetRequest>,
    ) -> Result<Response<pb::ResetReport>, Status> {
        let call = self
            .call(
                "Reset",
                Audit::Mutating,
                &req,
                &req.get_ref().database,
                None,
            )
            .await;
        call.answer(steps::reset(self, req).await).await
    }

    type RevertStream = EventStream;

    async fn revert(
        &self,
        req: Request<pb::RevertRequest>,
    ) -> Result<Response<EventStream>, Status> {
        let call = self
            .call(
                "Revert",
                Audit::Mutating,
                &req,
                &req.get_ref().database,
                None,
            )
            .await;
        call.answer(revert::revert(self, req).await).await
    }

    async fn finalize(
        &self,
        req: Request<pb::FinalizeRequest>,
    ) -> Result<Response<pb::FinalizeReport>, Status> {
        let call = self
            .call(
                "Finalize",
                Audit::Mutating,
                &req,
                &req.get_ref().database,
                None,
            )
            .await;
        call.answer(revert::finalize(self, req).await).await
    }

    type WatchStream = EventStream;

    async fn watch(&self, req: Request<pb::WatchRequest>) -> Result<Response<EventStream>, Status> {
        let call = self
            .call(
                "Watch",
                Audit::ReadOnly,
                &req,
                &req.get_ref().database,
                None,
            )
            .await;
        call.answer(jobs::watch(self, req)).await
    }

    async fn pause_job(&self, req: Request<pb::JobRef>) -> Result<Response<pb::JobInfo>, Status> {
        let call = self
            .call(
                "PauseJob",
                Audit::Mutating,
                &req,
                &req.get_ref().database,
                None,
            )
            .await;
        call.answer(jobs::control(self, req, jobs::Control::Pause))
            .await
    }

    async fn resume_job(&self, req: Request<pb::JobRef>) -> Result<Response<pb::JobInfo>, Status> {
        let call = self
            .call(
                "ResumeJob",
                Audit::Mutating,
                &req,
                &req.get_ref().database,
                None,
            )
            .await;
        call.answer(jobs::control(self, req, jobs::Control::Resume))
            .await
    }

    async fn cancel_job(&self, req: Request<pb::JobRef>) -> Result<Response<pb::JobInfo>, Status> {
        let call = self
            .call(
                "CancelJob",
                Audit::Mutating,
                &req,
                &req.get_ref().database,
                None,
            )
            .await;
        call.answer(jobs::control(self, req, jobs::Control::Cancel))
            .await
    }

    async fn throttle(
        &self,
        req: Request<pb::ThrottleRequest>,
    ) -> Result<Response<pb::ThrottleState>, Status> {
        let call = self
            .call(
                "Throttle",
                Audit::Mutating,
                &req,
                &req.get_ref().database,
                None,
            )
            .await;
        let answer = require(&req, Role::Operator, "throttle").and_then(|who| {
            let r = req.get_ref();
            let cap = jobs::rate(r.rows_per_sec, false)?;
            steps::throttle(self, &r.database, &who, cap)
        });
        call.answer(answer).await
    }

    async fn unthrottle(
        &self,
        req: Request<pb::UnthrottleRequest>,
    ) -> Result<Response<pb::ThrottleState>, Status> {
        let call = self
            .call(
                "Unthrottle",
                Audit::Mutating,
                &req,
                &req.get_ref().database,
                None,
            )
            .await;
        let answer = require(&req, Role::Operator, "unthrottle")
            .and_then(|who| steps::throttle(self, &req.get_ref().database, &who, None));
        call.answer(answer).await
    }
}
