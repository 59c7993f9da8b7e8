//! `mig revert` (a job: carry the new database's writes back, verify,
//! freeze the new database briefly, make the old one writable) and `mig
//! finalize` (close the revert window).

use mig::proto::{FinalizeRequest, RevertRequest};

use super::follow::follow_and_finish;
use super::Output;
use crate::cli::RevertArgs;
use crate::connect::Session;
use crate::render;

pub async fn run(s: &mut Session, args: &RevertArgs, out: Output) -> anyhow::Result<()> {
    let database = s.database().await?;
    let stream = s
        .client
        .revert(RevertRequest {
            database: database.clone(),
            detach: args.follow.detach,
            discard_conflicts: args.discard_conflicts,
            drop_new_columns: args.new_columns.drop_new_columns,
            freeze_limit_ms: args.freeze_limit_ms.unwrap_or(0),
        })
        .await?
        .into_inner();
    follow_and_finish(s, &database, args.follow.detach, out, stream).await
}

pub async fn finalize(s: &mut Session, out: Output) -> anyhow::Result<()> {
    let database = s.database().await?;
    let report = s
        .client
        .finalize(FinalizeRequest { database })
        .await?
        .into_inner();
    out.report(&report, render::reports::finalize)
}
