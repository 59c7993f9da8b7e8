//! `mig status`: where the migration stands and what to do next.

use mig::proto::StatusRequest;

use super::Output;
use crate::connect::Session;
use crate::render;

pub async fn run(s: &mut Session, out: Output) -> anyhow::Result<()> {
    let database = s.database().await?;
    let report = s
        .client
        .status(StatusRequest { database })
        .await?
        .into_inner();
    out.report(&report, render::status::lines)
}
