//! The job RPCs: migrate, drain and verify start a job and stream its events;
//! watch re-attaches; pause, resume and cancel steer it.

use std::time::Duration;

use tonic::Request;

use super::stream::{follow, Follow};
use super::{caller, require, steps::schema_of, EventStream, MigratorService, ServiceError};
use crate::config::{DatabaseConfig, Role};
use crate::engine::open::Busy;
use crate::engine::ops::{
    self, AfterDrain, DrainOptions, MigrateOptions, QueryFile, TimeoutPolicy, VerifyFirst,
    VerifyOptions,
};
use crate::engine::owners::LeftToOwner;
use crate::engine::verify::{queries, Repair};
use crate::jobs::{before_cutover, Gated, JobKind, Summary};
use crate::proto as pb;

/// `fresh_id`: the id the migration takes if it starts fresh.
pub(super) async fn migrate(
    svc: &MigratorService,
    req: Request<pb::MigrateRequest>,
    fresh_id: String,
) -> Result<EventStream, ServiceError> {
    let who = require(&req, Role::Operator, "migrate")?;
    let r = req.into_inner();
    let config = svc.config(&r.database).await?;
    // Parse before starting a job so a bad file is refused synchronously.
    let schema = schema_of(&config, r.schema)?;
    let cap = rate(r.max_rows_per_sec, true)?;
    let opts = MigrateOptions {
        accept_data_loss: r.accept_data_loss,
        label: r.label,
        busy: Busy(config.busy_timeout),
        allow_rollback_journal: config.allow_rollback_journal,
        left_to_owner: config
            .left_to_owner
            .merged(&LeftToOwner::new(r.ignore_tables)),
        fresh_migration_id: Some(fresh_id),
        ..MigrateOptions::default()
    };
    let job = svc
        .registry
        .start(&config.name, JobKind::Migrate, &who, move |cfg, ctx| {
            ops::migrate(&cfg.spec, &schema, &opts, ctx).map(Summary::Migrate)
        })
        .await?;
    if let Some(cap) = cap {
        svc.registry.throttle(&config.name)?.set_manual(Some(cap));
    }
    tracing::info!(rpc = "Migrate", database = %config.name, caller = %who, job = %job.id, accept_data_loss = r.accept_data_loss, max_rows_per_sec = r.max_rows_per_sec);
    Ok(follow(job, 1, mode(r.detach)))
}

/// A rows-per-second cap from a request: `None` for 0 when `zero_is_none`.
pub(super) fn rate(v: f64, zero_is_none: bool) -> Result<Option<f64>, ServiceError> {
    if zero_is_none && v == 0.0 {
        return Ok(None);
    }
    if !v.is_finite() || v <= 0.0 {
        return Err(ServiceError::InvalidRequest(format!(
            "rows_per_sec = {v} is not a rate; give a positive number of rows per second"
        )));
    }
    Ok(Some(v))
}

pub(super) fn mode(detach: bool) -> Follow {
    if detach {
        Follow::FirstOnly
    } else {
        Follow::ToEnd
    }
}

/// Drain options from a request: zero means the agent's default.
fn drain_options(
    r: &pb::DrainRequest,
    config: &DatabaseConfig,
) -> Result<DrainOptions, ServiceError> {
    let busy = Busy(config.busy_timeout);
    let mut opts = DrainOptions {
        busy,
        ..DrainOptions::default()
    };
    if r.freeze_limit_ms > 0 {
        opts.freeze_limit = Duration::from_millis(u64::from(r.freeze_limit_ms));
    }
    if r.max_attempts > 0 {
        opts.max_attempts = r.max_attempts;
    }
    if r.skip_verify {
        opts.verify_first = VerifyFirst::Skip;
    }
    opts.then = match (r.cutover, r.revert_window_secs) {
        (true, secs) => AfterDrain::Cutover {
            revert_window_secs: secs.unwrap_or(config.revert_window.as_secs()),
        },
        (false, None) => AfterDrain::Hold,
        (false, Some(_)) => {
            return Err(ServiceError::InvalidRequest(
                "a revert window is opened by the cutover: give it with cutover (drain --cutover --revert-window, or cutover --revert-window)".into(),
            ))
        }
    };
    opts.policy = match pb::DrainTimeoutPolicy::try_from(r.on_timeout) {
        Ok(pb::DrainTimeoutPolicy::Unspecified) | Ok(pb::DrainTimeoutPolicy::Retry) => {
            TimeoutPolicy::Retry
        }
        Ok(pb::DrainTimeoutPolicy::Stop) => TimeoutPolicy::Stop,
        Err(_) => {
            return Err(ServiceError::InvalidRequest(format!(
                "unknown drain timeout policy {}; use retry or stop",
                r.on_timeout
            )))
        }
    };
    Ok(opts)
}

pub(super) async fn drain(
    svc: &MigratorService,
    req: Request<pb::DrainRequest>,
) -> Result<EventStream, ServiceError> {
    let who = require(&req, Role::Operator, "drain")?;
    let r = req.into_inner();
    let config = svc.config(&r.database).await?;
    let opts = drain_options(&r, &config)?;
    let registry = std::sync::Arc::clone(&svc.registry);
    let job = svc
        .registry
        .start(&config.name, JobKind::Drain, &who, move |cfg, ctx| {
            // The cutover's gate, asked before the freeze (writes flow).
            let mut gate = || before_cutover(&registry.hooks, cfg, Gated::DrainCutover);
            ops::drain_gated(&cfg.spec, &opts, &mut gate, ctx).map(Summary::Drain)
        })
        .await?;
    tracing::info!(rpc = "Drain", database = %config.name, caller = %who, job = %job.id, skip_verify = r.skip_verify, cutover = r.cutover);
    Ok(follow(job, 1, mode(r.detach)))
}

pub(super) async fn verify(
    svc: &MigratorService,
    req: Request<pb::VerifyRequest>,
) -> Result<EventStream, ServiceError> {
    let who = require(&req, Role::Operator, "verify")?;
    let r = req.into_inner();
    let config = svc.config(&r.database).await?;
    let opts = VerifyOptions {
        busy: Busy(config.busy_timeout),
        chunk_rows: if r.chunk_rows > 0 {
            u64::from(r.chunk_rows)
        } else {
            ops::CHUNK_ROWS
        },
        repair: if r.check_only {
            Repair::CheckOnly
        } else {
            Repair::Recopy
        },
        queries: (!r.queries_sql.is_empty()).then(|| QueryFile {
            name: if r.queries_file.is_empty() {
                "queries.sql".to_string()
            } else {
                r.queries_file.clone()
            },
            sql: r.queries_sql.clone(),
            runs: if r.query_runs > 0 {
                r.query_runs
            } else {
                queries::RUNS
            },
        }),
    };
    let job = svc
        .registry
        .start(&config.name, JobKind::Verify, &who, move |cfg, ctx| {
            ops::verify(&cfg.spec, &opts, ctx).map(Summary::Verify)
        })
        .await?;
    tracing::info!(rpc = "Verify", database = %config.name, caller = %who, job = %job.id, check_only = r.check_only, queries = !r.queries_sql.is_empty());
    Ok(follow(job, 1, mode(r.detach)))
}

pub(super) fn watch(
    svc: &MigratorService,
    req: Request<pb::WatchRequest>,
) -> Result<EventStream, ServiceError> {
    let who = caller(&req);
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
    Ok(follow(job, r.from_seq, Follow::ToEnd))
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Control {
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

pub(super) fn control(
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
