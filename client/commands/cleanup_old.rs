//! `mig cleanup-old`: drops the migration tables and triggers from the old
//! database; reports the previous marker status and what was dropped. The
//! agent refuses while the old database is still recording.

use mig::proto::CleanupOldRequest;

use super::Output;
use crate::connect::Session;
use crate::render;

pub async fn run(s: &mut Session, out: Output) -> anyhow::Result<()> {
    let database = s.database().await?;
    let report = s
        .client
        .cleanup_old(CleanupOldRequest { database })
        .await?
        .into_inner();
    if out.json {
        render::json_report(&report)
    } else {
        render::emit(&render::reports::cleanup_old(&report))
    }
}
