//! The one-shot RPCs: plan, status, cutover, cleanup-old, reset, throttle.
//! Each authorizes the caller, resolves the database by name, converts the
//! request, runs the engine off the async workers and converts the result.

use std::sync::Arc;

use tonic::Request;

use super::authorize::{self, require};
use super::convert::{self, ManualCap};
use super::resolve::Resolved;
use super::{blocking, MigratorService, ServiceError};
use crate::config::Role;
use crate::engine::ops::{self, CloseWindow, DiscardedRows, Release, ResetMode, ResetOptions};
use crate::engine::plan::quoted::Disclosure;
use crate::engine::{rehearse, status};
use crate::jobs::{around_cutover, Hold, JobSnapshot, JobState};
use crate::proto as pb;

pub(super) async fn plan(
    svc: &MigratorService,
    req: Request<pb::PlanRequest>,
) -> Result<pb::PlanReport, ServiceError> {
    // A rehearsal writes a copy of the database on the agent's disk.
    let (needed, rpc) = if req.get_ref().rehearse {
        (Role::Operator, "plan --rehearse")
    } else {
        (Role::Viewer, "plan")
    };
    let disclosure = authorize::disclosure(&req);
    let Resolved {
        who,
        request: r,
        config,
    } = svc.resolve(req, needed, rpc).await?;
    let rehearse_opts = convert::rehearse_options(&r, &config)?;
    tracing::info!(rpc = "Plan", database = %config.name, caller = %who, rehearse = r.rehearse);
    blocking(move || {
        let schema = convert::schema_of(&config, r.schema.as_ref())?;
        let opts = ops::PlanOptions {
            busy: config.busy(),
            allow_rollback_journal: config.settings.allow_rollback_journal,
            left_to_owner: convert::left_to_owner(&config, &r.ignore_tables),
            disclosure,
        };
        let outcome = ops::plan(&config.spec, &schema, &opts)?;
        let rehearsal = match rehearse_opts {
            Some(opts) => Some(rehearse::rehearse(&outcome.old, &schema, &opts)?),
            None => None,
        };
        let mut report = convert::plan_report(&config.name, outcome);
        report.default_revert_window_secs = config.settings.revert_window.as_secs();
        report.rehearsal = rehearsal.map(convert::rehearsal);
        Ok(report)
    })
    .await
}

pub(super) async fn status(
    svc: &MigratorService,
    req: Request<pb::StatusRequest>,
) -> Result<pb::StatusReport, ServiceError> {
    let disclosure = authorize::disclosure(&req);
    let Resolved { who, config, .. } = svc.resolve(req, Role::Viewer, "status").await?;
    tracing::debug!(rpc = "Status", database = %config.name, caller = %who);
    let name = config.name.clone();
    // Viewers and operators share results among their own kind only: the
    // operator's report may name old keys.
    let shared_as = match disclosure {
        Disclosure::Values => name.clone(),
        Disclosure::CountsOnly => format!("{name}\0viewers"),
    };
    let mut report = svc
        .status_cache
        .get(&shared_as, || {
            blocking(move || {
                let journal = status::OldJournal::allowing(config.settings.allow_rollback_journal);
                let s = status::status_of_files(&config.spec, config.busy(), journal)?
                    .for_caller(disclosure);
                Ok(convert::status_report(&config.name, s, None))
            })
        })
        .await?;
    // Jobs and the throttle live in memory: always current.
    if let Some(running) = svc.registry.running(&name) {
        let job = running.snapshot();
        if let Some(next) = job_next_step(&name, &job) {
            report.next_step = next;
        }
        report.running_job = Some(job.into());
        convert::status_progress(&mut report, running.latest_progress());
    }
    report.throttle = Some(convert::throttle_state(
        &svc.registry.throttle(&name)?.report(),
    ));
    report.warnings.extend(svc.registry.waiting_note(&name));
    report.warnings.extend(svc.notes.iter().flat_map(|n| n()));
    Ok(report)
}

/// While a job runs on the database, the next step is about that job: the
/// files alone would say "run `mig migrate`", which the busy database refuses.
fn job_next_step(database: &str, j: &JobSnapshot) -> Option<String> {
    let (id, kind) = (&j.id, j.kind.as_str());
    match j.state {
        JobState::Running => Some(format!(
            "wait for {kind} job {id} (`mig watch --database {database} --job {id}`), or steer it with `mig pause` / `mig cancel`"
        )),
        JobState::Paused => Some(format!(
            "{kind} job {id} is paused: `mig resume` continues it, `mig cancel` stops it at its checkpoint"
        )),
        JobState::Completed | JobState::Failed | JobState::Cancelled => None,
    }
}

pub(super) async fn throttle(
    svc: &MigratorService,
    req: Request<pb::ThrottleRequest>,
) -> Result<pb::ThrottleState, ServiceError> {
    let who = require(&req, Role::Operator, "throttle")?;
    let cap = ManualCap::try_from(req.get_ref())?;
    set_cap(svc, &req.get_ref().database, &who, cap)
}

pub(super) async fn unthrottle(
    svc: &MigratorService,
    req: Request<pb::UnthrottleRequest>,
) -> Result<pb::ThrottleState, ServiceError> {
    let who = require(&req, Role::Operator, "unthrottle")?;
    set_cap(
        svc,
        &req.get_ref().database,
        &who,
        ManualCap::from(req.get_ref()),
    )
}

fn set_cap(
    svc: &MigratorService,
    database: &str,
    who: &str,
    ManualCap(cap): ManualCap,
) -> Result<pb::ThrottleState, ServiceError> {
    let config = svc.known(database)?;
    let throttle = svc.registry.throttle(&config.name)?;
    throttle.set_manual(cap);
    tracing::info!(rpc = if cap.is_some() { "Throttle" } else { "Unthrottle" }, database = %config.name, caller = %who, rows_per_sec = cap.unwrap_or(0.0));
    Ok(convert::throttle_state(&throttle.report()))
}

pub(super) async fn cutover(
    svc: &MigratorService,
    req: Request<pb::CutoverRequest>,
) -> Result<pb::CutoverReport, ServiceError> {
    let Resolved {
        who,
        request: r,
        config,
    } = svc.resolve(req, Role::Operator, "cutover").await?;
    let opts = convert::cutover_options(&r, &config);
    tracing::info!(rpc = "Cutover", database = %config.name, caller = %who, skip_verify = r.skip_verify, revert_window_secs = opts.revert_window_secs);
    let guard = svc.registry.begin_step(&config.name, Hold::Cutover).await?;
    let registry = Arc::clone(&svc.registry);
    let name = config.name.clone();
    let asked = r.revert_window_secs;
    let report = blocking(move || {
        let _guard = guard;
        if let Some(secs) = asked {
            ops::require_asked_window(&config.spec, opts.busy, secs)?;
        }
        let report = around_cutover(&registry.hooks, &config, || {
            ops::cutover(&config.spec, &opts)
        })?;
        if let Some(ms) = report.writes_refused_ms {
            let end = crate::metrics::RefusalEnd::Cutover;
            registry.metrics.write_refusal(&config.name, end, ms / 1e3);
        }
        Ok(convert::cutover_report(report))
    })
    .await?;
    svc.registry.announce_ready(&name);
    Ok(report)
}

pub(super) async fn cleanup_old(
    svc: &MigratorService,
    req: Request<pb::CleanupOldRequest>,
) -> Result<pb::CleanupOldReport, ServiceError> {
    let Resolved {
        who,
        request: r,
        config,
    } = svc.resolve(req, Role::Operator, "cleanup-old").await?;
    let (release, window) = (Release::from(&r), CloseWindow::from(&r));
    tracing::info!(rpc = "CleanupOld", database = %config.name, caller = %who, release = r.release, check_only = r.check_only);
    if r.check_only {
        return blocking(move || {
            ops::cleanup_old_check(&config.spec, config.busy(), release, window)?;
            Ok(pb::CleanupOldReport::default())
        })
        .await;
    }
    let guard = svc
        .registry
        .begin_step(&config.name, Hold::CleanupOld)
        .await?;
    blocking(move || {
        let _guard = guard;
        let report = ops::cleanup_old_with(&config.spec, config.busy(), release, window)?;
        Ok(convert::cleanup_report(report))
    })
    .await
}

pub(super) async fn reset(
    svc: &MigratorService,
    req: Request<pb::ResetRequest>,
) -> Result<pb::ResetReport, ServiceError> {
    let mode = ResetMode::from(req.get_ref());
    let discarded = DiscardedRows::from(req.get_ref());
    let needed = match mode {
        ResetMode::DryRun => Role::Viewer,
        ResetMode::Apply => Role::Operator,
    };
    let Resolved { who, config, .. } = svc.resolve(req, needed, "reset").await?;
    tracing::info!(rpc = "Reset", database = %config.name, caller = %who, dry_run = mode == ResetMode::DryRun);
    let guard = svc.registry.begin_step(&config.name, Hold::Reset).await?;
    blocking(move || {
        let _guard = guard;
        let opts = ResetOptions {
            busy: config.busy(),
            mode,
            discarded,
        };
        let report = ops::reset_with(&config.spec, opts)?;
        Ok(convert::reset_report(report))
    })
    .await
}
