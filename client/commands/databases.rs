//! `mig databases`: the agent's databases and the phase each is in.

use mig::proto::{ListDatabasesRequest, ListDatabasesResponse};

use super::Output;
use crate::connect::Session;
use crate::render;

pub async fn run(s: &mut Session, out: Output) -> anyhow::Result<()> {
    // Every page: an agent serving a folder of tenants may have thousands.
    let mut list = ListDatabasesResponse::default();
    loop {
        let page = s
            .client
            .list_databases(ListDatabasesRequest {
                page_token: list.next_page_token.clone(),
                ..Default::default()
            })
            .await?
            .into_inner();
        list.databases.extend(page.databases);
        list.served = page.served;
        list.next_page_token = page.next_page_token;
        if list.next_page_token.is_empty() {
            break;
        }
    }
    out.report(&list, |l| render::reports::databases(&l.databases))
}
