//! `mig cleanup-old` (and `mig release-old`): drops the migration tables
//! and triggers from the old database, leaving the retired guard unless
//! releasing; reports the previous marker status and what was dropped. The
//! agent refuses while the old database is still recording, and while a
//! revert window is open unless told to close it.

use mig::proto::CleanupOldRequest;

use super::Output;
use crate::cli::CloseWindowArg;
use crate::connect::Session;
use crate::render;

pub async fn run(
    s: &mut Session,
    release: bool,
    window: CloseWindowArg,
    out: Output,
) -> anyhow::Result<()> {
    let database = s.database().await?;
    let report = s
        .client
        .cleanup_old(CleanupOldRequest {
            database,
            release,
            close_revert_window: window.close_revert_window,
        })
        .await?
        .into_inner();
    out.report(&report, render::reports::cleanup_old)
}
