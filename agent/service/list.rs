//! `ListDatabases`: the databases served, in name order, a page at a time,
//! filtered by a name glob and by phase. A first page reads the database
//! sets' folders again, so tenants added since are listed (and served).

use std::sync::Arc;

use tonic::Request;

use super::{blocking, caller, MigratorService, ServiceError};
use crate::config::DatabaseConfig;
use crate::engine::open::Busy;
use crate::engine::status;
use crate::engine::EngineError;
use crate::proto as pb;

/// Databases per page when the request does not say.
const PAGE_DEFAULT: usize = 1_000;
/// The largest page: a reply stays well under the message size limits.
const PAGE_MAX: usize = 10_000;

/// A validated `ListDatabasesRequest`.
struct Query {
    pattern: Option<glob::Pattern>,
    phases: Vec<i32>,
    page: usize,
    after: String,
    names_only: bool,
}

impl TryFrom<pb::ListDatabasesRequest> for Query {
    type Error = ServiceError;

    fn try_from(r: pb::ListDatabasesRequest) -> Result<Self, Self::Error> {
        let pattern = match r.name_pattern.as_str() {
            "" => None,
            p => Some(glob::Pattern::new(p).map_err(|e| {
                ServiceError::InvalidRequest(format!(
                    "name pattern {p:?} is not a glob: {e}; write e.g. \"acme-*\""
                ))
            })?),
        };
        if r.names_only && !r.phases.is_empty() {
            return Err(ServiceError::InvalidRequest(
                "a phase filter needs the phases: leave names_only off".into(),
            ));
        }
        if let Some(p) = r
            .phases
            .iter()
            .find(|p| pb::Phase::try_from(**p).map_or(true, |p| p == pb::Phase::Unspecified))
        {
            return Err(ServiceError::InvalidRequest(format!(
                "phase {p} is not a phase to filter by"
            )));
        }
        let page = match r.page_size as usize {
            0 => PAGE_DEFAULT,
            n => n.min(PAGE_MAX),
        };
        Ok(Query {
            pattern,
            phases: r.phases,
            page,
            after: r.page_token,
            names_only: r.names_only,
        })
    }
}

pub(super) async fn list(
    svc: &MigratorService,
    req: Request<pb::ListDatabasesRequest>,
) -> Result<pb::ListDatabasesResponse, ServiceError> {
    tracing::info!(rpc = "ListDatabases", caller = %caller(&req));
    let q = Query::try_from(req.into_inner())?;
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
            let summary = summary(&registry, c, q.names_only);
            if q.phases.is_empty() || q.phases.contains(&summary.phase) {
                databases.push(summary);
            }
        }
        let next_page_token = match (more, databases.last()) {
            (true, Some(last)) => last.name.clone(),
            _ => String::new(),
        };
        Ok(pb::ListDatabasesResponse {
            databases,
            next_page_token,
            served,
        })
    })
    .await
}

/// One database's line: its phase (unless names only) and running job.
fn summary(
    registry: &crate::jobs::Registry,
    c: DatabaseConfig,
    names_only: bool,
) -> pb::DatabaseSummary {
    let running_job = registry.running(&c.name).map(|j| j.snapshot().into());
    let (phase, error) = if names_only {
        (pb::Phase::Unspecified, String::new())
    } else {
        match status::status(&c.spec, Busy(c.busy_timeout)) {
            Ok(s) => (pb::Phase::from(s.phase), String::new()),
            Err(e) => (pb::Phase::Unspecified, e.to_string()),
        }
    };
    pb::DatabaseSummary {
        name: c.name,
        phase: phase.into(),
        running_job,
        error,
    }
}
