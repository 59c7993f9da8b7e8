//! `ListDatabases`: the databases served, in name order, a page at a time,
//! filtered by a name glob and by phase. A first page reads the database
//! sets' folders again, so tenants added since are listed (and served).

use std::sync::Arc;

use tonic::Request;

use super::authorize::caller;
use super::convert::{self, ListQuery};
use super::{blocking, MigratorService, ServiceError};
use crate::config::DatabaseConfig;
use crate::engine::status;
use crate::engine::EngineError;
use crate::jobs::Registry;
use crate::proto as pb;

pub(super) async fn list(
    svc: &MigratorService,
    req: Request<pb::ListDatabasesRequest>,
) -> Result<pb::ListDatabasesResponse, ServiceError> {
    tracing::info!(rpc = "ListDatabases", caller = %caller(&req));
    let q = ListQuery::try_from(req.into_inner())?;
    let registry = Arc::clone(&svc.registry);
    if q.after.is_empty() && registry.has_sets() {
        let r = Arc::clone(&registry);
        blocking(move || {
            r.rediscover()
                .map(drop)
                .map_err(|e| EngineError::File(e).into())
        })
        .await?;
    }
    let configs: Vec<DatabaseConfig> = registry.databases();
    let served = configs.len() as u64;
    blocking(move || {
        let mut databases = Vec::new();
        let mut more = false;
        let candidates = configs
            .into_iter()
            .filter(|c| c.name > q.after)
            .filter(|c| q.pattern.as_ref().is_none_or(|p| p.matches(&c.name)));
        for c in candidates {
            if databases.len() == q.page {
                more = true;
                break;
            }
            let summary = summary(&registry, c, &q);
            if q.phases.is_empty() || q.phases.contains(&summary.phase) {
                databases.push(summary);
            }
        }
        Ok(convert::database_page(databases, more, served))
    })
    .await
}

/// One database's line: its phase (unless the query asks for names only)
/// and running job.
fn summary(registry: &Registry, c: DatabaseConfig, q: &ListQuery) -> pb::DatabaseSummary {
    let running_job = registry.running(&c.name).map(|j| j.snapshot());
    let journal = status::OldJournal::allowing(c.settings.allow_rollback_journal);
    let status = (!q.names_only).then(|| status::status_under(&c.spec, c.busy(), journal));
    convert::database_summary(c, status, running_job)
}
