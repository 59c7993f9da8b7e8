//! The revert window's RPCs: `Revert` (a job) and `Finalize` (a step).

use tonic::Request;

use super::jobs::mode;
use super::stream::follow;
use super::{blocking, convert_revert, require, EventStream, MigratorService, ServiceError};
use crate::config::Role;
use crate::engine::open::Busy;
use crate::engine::ops::{self, ClosedBy, Conflicts, RevertOptions};
use crate::jobs::{Hold, JobKind, Summary};
use crate::proto as pb;

pub(super) async fn revert(
    svc: &MigratorService,
    req: Request<pb::RevertRequest>,
) -> Result<EventStream, ServiceError> {
    let who = require(&req, Role::Operator, "revert")?;
    let r = req.into_inner();
    let config = svc.config(&r.database).await?;
    let opts = RevertOptions {
        busy: Busy(config.busy_timeout),
        conflicts: if r.discard_conflicts {
            Conflicts::Discard
        } else {
            Conflicts::Refuse
        },
    };
    let job = svc
        .registry
        .start(&config.name, JobKind::Revert, &who, move |cfg, ctx| {
            ops::revert(&cfg.spec, &opts, ctx).map(Summary::Revert)
        })
        .await?;
    tracing::info!(rpc = "Revert", database = %config.name, caller = %who, job = %job.id, discard_conflicts = r.discard_conflicts);
    Ok(follow(job, 1, mode(r.detach)))
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
        Ok(convert_revert::finalize_report(ops::finalize(
            &config.spec,
            Busy(config.busy_timeout),
            ClosedBy::Finalize,
        )?))
    })
    .await
}
