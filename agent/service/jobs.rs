//! The job RPCs: migrate, drain and verify start a job and stream its events;
//! watch re-attaches; pause, resume and cancel steer it.

use std::sync::Arc;

use tonic::Request;

use super::authorize::{caller, disclosure, require};
use super::convert::{self, MigrateStart, NamesDatabase};
use super::resolve::Resolved;
use super::stream::{follow, Follow};
use super::{EventStream, MigratorService, ServiceError};
use crate::config::{DatabaseConfig, Role};
use crate::engine::ops::DrainOptions;
use crate::engine::plan::quoted::Disclosure;
use crate::engine::{self, ops, Ctx};
use crate::jobs::{before_cutover, Gated, Job, JobKind, Summary};
use crate::proto as pb;

/// Starts `work` as the database's `kind` job for `who` and streams its
/// events as `mode` says.
pub(super) async fn start_job<F>(
    svc: &MigratorService,
    config: &DatabaseConfig,
    kind: JobKind,
    who: &str,
    mode: Follow,
    work: F,
) -> Result<(Arc<Job>, EventStream), ServiceError>
where
    F: FnOnce(&DatabaseConfig, &mut Ctx<'_>) -> engine::Result<Summary> + Send + 'static,
{
    let job = svc.registry.start(&config.name, kind, who, work).await?;
    // Only an operator starts a job: its stream quotes the rows it names.
    let stream = follow(Arc::clone(&job), 1, mode, Disclosure::Values);
    Ok((job, stream))
}

/// A job RPC once its job runs: the caller, the request, the database and
/// the job, for the audit line; the stream for the reply.
pub(super) struct Started<T> {
    pub who: String,
    pub r: T,
    pub config: DatabaseConfig,
    pub job: Arc<Job>,
    pub stream: EventStream,
}

/// A job RPC's sequence: authorize the caller for `rpc` and resolve the
/// database, read the request into the job's options (`read`: the options
/// and how to follow), and start `work` on them as the `kind` job.
pub(super) async fn start_read<T, O, R, W>(
    svc: &MigratorService,
    req: Request<T>,
    rpc: &'static str,
    kind: JobKind,
    read: R,
    work: W,
) -> Result<Started<T>, ServiceError>
where
    T: NamesDatabase,
    O: Send + 'static,
    R: FnOnce(&T, &DatabaseConfig) -> Result<(O, Follow), ServiceError>,
    W: FnOnce(&DatabaseConfig, O, &mut Ctx<'_>) -> engine::Result<Summary> + Send + 'static,
{
    let Resolved {
        who,
        request: r,
        config,
    } = svc.resolve(req, Role::Operator, rpc).await?;
    let (opts, mode) = read(&r, &config)?;
    let (job, stream) = start_job(svc, &config, kind, &who, mode, move |cfg, ctx| {
        work(cfg, opts, ctx)
    })
    .await?;
    Ok(Started {
        who,
        r,
        config,
        job,
        stream,
    })
}

/// `fresh_id`: the id the migration takes if it starts fresh.
pub(super) async fn migrate(
    svc: &MigratorService,
    req: Request<pb::MigrateRequest>,
    fresh_id: String,
) -> Result<EventStream, ServiceError> {
    let Resolved {
        who,
        request: r,
        config,
    } = svc.resolve(req, Role::Operator, "migrate").await?;
    let MigrateStart {
        schema,
        opts,
        cap,
        follow: mode,
    } = convert::migrate_start(&r, &config, fresh_id)?;
    let (job, stream) = start_job(
        svc,
        &config,
        JobKind::Migrate,
        &who,
        mode,
        move |cfg, ctx| ops::migrate(&cfg.spec, &schema, &opts, ctx).map(Summary::Migrate),
    )
    .await?;
    if let Some(cap) = cap.0 {
        svc.registry.throttle(&config.name)?.set_manual(Some(cap));
    }
    tracing::info!(rpc = "Migrate", database = %config.name, caller = %who, job = %job.id, accept_data_loss = r.accept_data_loss, max_rows_per_sec = r.max_rows_per_sec);
    Ok(stream)
}

pub(super) async fn drain(
    svc: &MigratorService,
    req: Request<pb::DrainRequest>,
) -> Result<EventStream, ServiceError> {
    let registry = Arc::clone(&svc.registry);
    let read = |r: &pb::DrainRequest, cfg: &DatabaseConfig| {
        // The window asked for explicitly, checked against one already open.
        let asked = r.revert_window_secs.filter(|_| r.cutover);
        Ok((
            (convert::drain_options(r, cfg)?, asked),
            convert::follow_mode(r.detach),
        ))
    };
    let s = start_read(
        svc,
        req,
        "drain",
        JobKind::Drain,
        read,
        move |cfg, (opts, asked): (DrainOptions, Option<u64>), ctx| {
            if let Some(secs) = asked {
                ops::require_asked_window(&cfg.spec, opts.busy, secs)?;
            }
            // The cutover's gate, asked before the freeze (writes flow).
            let mut gate = || before_cutover(&registry.hooks, cfg, Gated::DrainCutover);
            ops::drain_gated(&cfg.spec, &opts, &mut gate, ctx).map(Summary::Drain)
        },
    )
    .await?;
    tracing::info!(rpc = "Drain", database = %s.config.name, caller = %s.who, job = %s.job.id, skip_verify = s.r.skip_verify, cutover = s.r.cutover);
    Ok(s.stream)
}

pub(super) async fn verify(
    svc: &MigratorService,
    req: Request<pb::VerifyRequest>,
) -> Result<EventStream, ServiceError> {
    let read = |r: &pb::VerifyRequest, cfg: &DatabaseConfig| {
        Ok((
            convert::verify_options(r, cfg),
            convert::follow_mode(r.detach),
        ))
    };
    let s = start_read(
        svc,
        req,
        "verify",
        JobKind::Verify,
        read,
        |cfg, opts, ctx| ops::verify(&cfg.spec, &opts, ctx).map(Summary::Verify),
    )
    .await?;
    tracing::info!(rpc = "Verify", database = %s.config.name, caller = %s.who, job = %s.job.id, check_only = s.r.check_only, queries = !s.r.queries_sql.is_empty());
    Ok(s.stream)
}

pub(super) async fn watch(
    svc: &MigratorService,
    req: Request<pb::WatchRequest>,
) -> Result<EventStream, ServiceError> {
    let who = caller(&req);
    let d = disclosure(&req);
    let r = req.into_inner();
    let config = svc.known(&r.database)?;
    let job = svc.registry.find(&config.name, &r.job_id)?;
    let info = job.snapshot();
    let beyond = if info.state.is_live() {
        r.from_seq > info.last_seq + 1
    } else {
        r.from_seq > info.last_seq
    };
    if beyond {
        return Err(ServiceError::OutOfRange(format!(
            "job {} has events 1..={}; pass a --from-seq within that range (0: all it still holds)",
            info.id, info.last_seq
        )));
    }
    tracing::info!(rpc = "Watch", database = %config.name, caller = %who, job = %job.id, from_seq = r.from_seq);
    Ok(follow(job, r.from_seq, Follow::ToEnd, d))
}

pub(super) async fn pause(
    svc: &MigratorService,
    req: Request<pb::JobRef>,
) -> Result<pb::JobInfo, ServiceError> {
    control(svc, req, Control::Pause)
}

pub(super) async fn resume(
    svc: &MigratorService,
    req: Request<pb::JobRef>,
) -> Result<pb::JobInfo, ServiceError> {
    control(svc, req, Control::Resume)
}

pub(super) async fn cancel(
    svc: &MigratorService,
    req: Request<pb::JobRef>,
) -> Result<pb::JobInfo, ServiceError> {
    control(svc, req, Control::Cancel)
}

#[derive(Debug, Clone, Copy)]
enum Control {
    Pause,
    Resume,
    Cancel,
}

impl Control {
    fn rpc(self) -> &'static str {
        match self {
            Control::Pause => "pause",
            Control::Resume => "resume",
            Control::Cancel => "cancel",
        }
    }
}

fn control(
    svc: &MigratorService,
    req: Request<pb::JobRef>,
    action: Control,
) -> Result<pb::JobInfo, ServiceError> {
    let who = require(&req, Role::Operator, action.rpc())?;
    let r = req.into_inner();
    let config = svc.known(&r.database)?;
    let snapshot = match action {
        Control::Pause => svc.registry.pause(&config.name, &r.job_id)?,
        Control::Resume => svc.registry.resume(&config.name, &r.job_id)?,
        Control::Cancel => svc.registry.cancel(&config.name, &r.job_id)?,
    };
    tracing::info!(rpc = ?action, database = %config.name, caller = %who, job = %snapshot.id);
    Ok(snapshot.into())
}
