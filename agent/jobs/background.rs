//! What a long-running agent does on its own at start: resume migrations a
//! restart interrupted. Its steady work (claims, phases, catch-up) is in
//! `supervise.rs`.

use std::sync::Arc;

use super::{JobKind, Registry, Summary};
use crate::config::DatabaseConfig;
use crate::engine::ops::{self, DrainOptions, MigrateOptions, Resumable};
use crate::engine::state::Phase;
use crate::engine::status;

/// Who background jobs are started by, in job info and audit lines.
pub const AGENT_CALLER: &str = "mig-agent (resuming after restart)";

/// A database's phase (`None` when it could not be read), and when the
/// reading started: a cutover announced after that makes it stale.
#[derive(Debug, Clone)]
pub struct PhaseReport {
    pub database: String,
    pub phase: Option<Phase>,
    pub read_at: std::time::Instant,
}

pub(super) async fn phase_of(c: &DatabaseConfig) -> Option<Phase> {
    let (spec, b) = (c.spec.clone(), c.busy());
    tokio::task::spawn_blocking(move || status::status(&spec, b).ok().map(|s| s.phase))
        .await
        .ok()
        .flatten()
}

/// Restarts the jobs an agent restart interrupted: a copy resumes from its
/// checkpoint; a drain (whose old database refuses writes) finishes.
pub async fn recover(registry: &Arc<Registry>) {
    let configs: Vec<DatabaseConfig> = registry.databases();
    for c in configs {
        let (spec, b) = (c.spec.clone(), c.busy());
        let resumable = tokio::task::spawn_blocking(move || ops::resumable(&spec, b))
            .await
            .ok()
            .and_then(Result::ok)
            .flatten();
        let started = match resumable {
            Some(Resumable::Migrate(schema)) => {
                let opts = MigrateOptions {
                    // The plan was accepted when this migration started.
                    accept_data_loss: true,
                    allow_same_schema: true,
                    busy: c.busy(),
                    allow_rollback_journal: c.settings.allow_rollback_journal,
                    left_to_owner: c.settings.left_to_owner.clone(),
                    ..Default::default()
                };
                registry
                    .start(&c.name, JobKind::Migrate, AGENT_CALLER, move |cfg, ctx| {
                        ops::migrate(&cfg.spec, &schema, &opts, ctx).map(Summary::Migrate)
                    })
                    .await
            }
            Some(Resumable::Drain) => {
                let opts = DrainOptions {
                    busy: c.busy(),
                    allow_rollback_journal: c.settings.allow_rollback_journal,
                    ..Default::default()
                };
                registry
                    .start(&c.name, JobKind::Drain, AGENT_CALLER, move |cfg, ctx| {
                        ops::drain(&cfg.spec, &opts, ctx).map(Summary::Drain)
                    })
                    .await
            }
            Some(Resumable::Revert) => {
                let opts = ops::RevertOptions {
                    busy: c.busy(),
                    ..Default::default()
                };
                registry
                    .start(&c.name, JobKind::Revert, AGENT_CALLER, move |cfg, ctx| {
                        ops::revert(&cfg.spec, &opts, ctx).map(Summary::Revert)
                    })
                    .await
            }
            None => continue,
        };
        match started {
            Ok(job) => {
                tracing::info!(database = %c.name, job = %job.id, "resumed an interrupted {}", job.kind.as_str())
            }
            Err(e) => {
                tracing::warn!(database = %c.name, "could not resume an interrupted job: {e}")
            }
        }
    }
}
