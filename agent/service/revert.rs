//! The revert window's RPCs: `Revert` (a job) and `Finalize` (a step).

use tonic::Request;

use super::convert;
use super::jobs::start_read;
use super::resolve::Resolved;
use super::{blocking, EventStream, MigratorService, ServiceError};
use crate::config::{DatabaseConfig, Role};
use crate::engine::ops::{self, ClosedBy};
use crate::jobs::{Hold, JobKind, Summary};
use crate::proto as pb;

pub(super) async fn revert(
    svc: &MigratorService,
    req: Request<pb::RevertRequest>,
) -> Result<EventStream, ServiceError> {
    let read = |r: &pb::RevertRequest, cfg: &DatabaseConfig| {
        Ok((
            convert::revert_options(r, cfg),
            convert::follow_mode(r.detach),
        ))
    };
    let s = start_read(
        svc,
        req,
        "revert",
        JobKind::Revert,
        read,
        |cfg, opts, ctx| ops::revert(&cfg.spec, &opts, ctx).map(Summary::Revert),
    )
    .await?;
    tracing::info!(rpc = "Revert", database = %s.config.name, caller = %s.who, job = %s.job.id, discard_conflicts = s.r.discard_conflicts);
    Ok(s.stream)
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
