//! The revert window's RPCs: `Revert` (a job) and `Finalize` (a step).

use tonic::Request;

use super::authorize::require;
use super::convert;
use super::stream::follow;
use super::{blocking, EventStream, MigratorService, ServiceError};
use crate::config::Role;
use crate::engine::ops::{self, ClosedBy};
use crate::jobs::{Hold, JobKind, Summary};
use crate::proto as pb;

pub(super) async fn revert(
    svc: &MigratorService,
    req: Request<pb::RevertRequest>,
) -> Result<EventStream, ServiceError> {
    let who = require(&req, Role::Operator, "revert")?;
    let r = req.into_inner();
    let config = svc.config(&r.database).await?;
    let opts = convert::revert_options(&r, &config);
    let job = svc
        .registry
        .start(&config.name, JobKind::Revert, &who, move |cfg, ctx| {
            ops::revert(&cfg.spec, &opts, ctx).map(Summary::Revert)
        })
        .await?;
    tracing::info!(rpc = "Revert", database = %config.name, caller = %who, job = %job.id, discard_conflicts = r.discard_conflicts);
    Ok(follow(job, 1, convert::follow_mode(r.detach)))
}

pub(super) async fn finalize(
    svc: &MigratorService,
    req: Request<pb::FinalizeRequest>,
) -> Result<pb::FinalizeReport, ServiceError> {
    let who = require(&req, Role::Operator, "finalize")?;
    let config = svc.config(&req.get_ref().database).await?;
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
