//! `mig reset`: returns both files to the state before `migrate` (before
//! cutover only); `--dry-run` lists the actions without taking them.

use mig::proto::ResetRequest;

use super::Output;
use crate::cli::ResetArgs;
use crate::connect::Session;
use crate::render;

pub async fn run(s: &mut Session, args: &ResetArgs, out: Output) -> anyhow::Result<()> {
    let database = s.database().await?;
    let report = s
        .client
        .reset(ResetRequest {
            database,
            dry_run: args.dry_run,
        })
        .await?
        .into_inner();
    out.report(&report, render::reports::reset)
}
