//! `mig cutover`: marks the drained new database ready. The agent refuses
//! (FAILED_PRECONDITION, exit 1) until the drain is complete and, unless
//! `--skip-verify`, until a full verify has certified the migration.

use mig::proto::CutoverRequest;

use super::Output;
use crate::cli::CutoverArgs;
use crate::connect::Session;
use crate::render;

pub async fn run(s: &mut Session, args: &CutoverArgs, out: Output) -> anyhow::Result<()> {
    let database = s.database().await?;
    let report = s
        .client
        .cutover(CutoverRequest {
            database,
            skip_verify: args.skip_verify,
            revert_window_secs: args.revert_window.map(|d| d.as_secs()),
        })
        .await?
        .into_inner();
    out.report(&report, render::reports::cutover)
}
