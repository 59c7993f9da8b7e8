//! The revert window's RPCs: `Revert` (a job) and `Finalize` (a step).

use tonic::Request;

use super::convert;
use super::jobs::start_job;
use super::resolve::Resolved;
use super::{blocking, EventStream, MigratorService, ServiceError};
use crate::config::Role;
use crate::engine::ops::{self, ClosedBy};
use crate::jobs::{Hold, JobKind, Summary};
use crate::proto as pb;

pub(super) async fn revert(
    svc: &MigratorService,
    req: Request<pb::RevertRequest>,
) -> Result<EventStream, ServiceError> {
    let Resolved {
        who,
        request: r,
        config,
    } = svc.resolve(req, Role::Operator, "revert").await?;
    let opts = convert::revert_options(&r, &config);
    let mode = convert::follow_mode(r.detach);
    let (job, stream) = start_job(
        svc,
        &config,
        JobKind::Revert,
        &who,
        mode,
        move |cfg, ctx| ops::revert(&cfg.spec, &opts, ctx).map(Summary::Revert),
    )
    .await?;
    tracing::info!(rpc = "Revert", database = %config.name, caller = %who, job = %job.id, discard_conflicts = r.discard_conflicts);
    Ok(stream)
}

pub(super) async fn finalize(
    svc: &MigratorService,
    req: Request<pb::FinalizeRequest>,
) -> Result<pb::FinalizeReport, ServiceError> {
    let Resolved { who, config, .. } = svc.resolve(req, Role::Operator, "finalize").await?;
    tracing::info!(rpc = "Finalize", database = %config.name, caller = %who);
    let guard = svc
        .registry
        .begin_step(&config.name, Hold::Finalize)
        .await?;
    blocking(move || {
        let _guard = guard;
        let report = ops::finalize(&config.spec, config.busy(), ClosedBy::Finalize)?;
        Ok(convert::finalize_report(report))
    })
    .await
}
