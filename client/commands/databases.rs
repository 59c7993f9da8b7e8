//! `mig databases`: the agent's databases and the phase each is in.

use mig::proto::ListDatabasesRequest;

use super::Output;
use crate::connect::Session;
use crate::render;

pub async fn run(s: &mut Session, out: Output) -> anyhow::Result<()> {
    let list = s
        .client
        .list_databases(ListDatabasesRequest {})
        .await?
        .into_inner();
    if out.json {
        render::json_report(&list)
    } else {
        render::emit(&render::reports::databases(&list.databases))
    }
}
