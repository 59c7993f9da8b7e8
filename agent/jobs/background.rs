//! What a long-running agent does on its own: resume migrations a restart
//! interrupted, keep replaying the log of recording databases (so a drain
//! only has the tail left), and report each database's phase.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::registry::CATCH_UP;
use super::{JobKind, Registry, Summary};
use crate::config::DatabaseConfig;
use crate::engine::open::Busy;
use crate::engine::ops::{self, DrainOptions, MigrateOptions, Resumable};
use crate::engine::paths::DatabaseSpec;
use crate::engine::state::{owner::Claim, Phase};
use crate::engine::status;
use crate::engine::throttle::Probe;

/// The longest a throttle probe waits for the old database's write lock.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// Entries replayed per background slice: short enough that a drain or a
/// step waiting for the database gets it within milliseconds.
const SLICE: u64 = 5_000;

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

fn busy(c: &DatabaseConfig) -> Busy {
    Busy(c.busy_timeout)
}

async fn phase_of(c: &DatabaseConfig) -> Option<Phase> {
    let (spec, b) = (c.spec.clone(), busy(c));
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
        let (spec, b) = (c.spec.clone(), busy(&c));
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
                    busy: busy(&c),
                    allow_rollback_journal: c.allow_rollback_journal,
                    left_to_owner: c.left_to_owner.clone(),
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
                    busy: busy(&c),
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
                    busy: busy(&c),
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

/// Runs forever: every `interval`, reports each database's phase and, for
/// recording databases nothing else holds, replays the log in slices.
/// Holds the old file of every database served for this agent meanwhile,
/// so that no other agent or local `mig` works on it at the same time.
pub async fn supervise(
    registry: Arc<Registry>,
    interval: Duration,
    phases: mpsc::Sender<PhaseReport>,
) {
    let mut claims = Claims::default();
    loop {
        let configs: Vec<DatabaseConfig> = registry.databases();
        claims.reconcile(&configs).await;
        for c in configs {
            let read_at = std::time::Instant::now();
            let phase = phase_of(&c).await;
            let report = PhaseReport {
                database: c.name.clone(),
                phase,
                read_at,
            };
            if phases.send(report).await.is_err() {
                return;
            }
            if phase.is_some_and(Phase::catches_up) {
                catch_up(&registry, &c).await;
            }
            if matches!(phase, Some(Phase::Standby | Phase::CutOver)) {
                reverse_catch_up(&registry, &c).await;
            }
        }
        tokio::time::sleep(interval).await;
    }
}

/// The agent's claims on the old files of the databases it serves now.
#[derive(Default)]
struct Claims {
    held: BTreeMap<String, (DatabaseSpec, Claim)>,
    /// Databases another process holds (logged once, tried again each round).
    refused: BTreeSet<String>,
}

impl Claims {
    /// Claims the databases served now that are not claimed yet (added by a
    /// reload, created since, or released by another process), and lets go
    /// of those no longer served.
    async fn reconcile(&mut self, configs: &[DatabaseConfig]) {
        let served = |name: &str, spec: &DatabaseSpec| {
            configs.iter().any(|c| c.name == name && c.spec == *spec)
        };
        self.held.retain(|name, (spec, _)| served(name, spec));
        self.refused
            .retain(|name| configs.iter().any(|c| c.name == *name));
        for c in configs {
            if self.held.contains_key(&c.name) {
                continue;
            }
            let (spec, b) = (c.spec.clone(), busy(c));
            match tokio::task::spawn_blocking(move || ops::claim(&spec, b)).await {
                Ok(Ok(Some(claim))) => {
                    self.refused.remove(&c.name);
                    self.held.insert(c.name.clone(), (c.spec.clone(), claim));
                }
                Ok(Ok(None)) => {}
                Ok(Err(e)) if self.refused.insert(c.name.clone()) => {
                    tracing::warn!(database = %c.name, "not claimed for this agent; its commands are refused meanwhile: {e}")
                }
                Ok(Err(_)) => {}
                Err(e) => tracing::error!(database = %c.name, "claiming stopped: {e}"),
            }
        }
    }
}

/// Replays slices until the log is caught up or someone else wants the
/// database (checked between slices).
async fn catch_up(registry: &Arc<Registry>, c: &DatabaseConfig) {
    loop {
        let Ok(guard) = registry.try_begin_step(&c.name, CATCH_UP) else {
            return;
        };
        let (spec, b) = (c.spec.clone(), busy(c));
        let throttle = registry.throttle(&c.name).ok();
        let slice = tokio::task::spawn_blocking(move || {
            let began = std::time::Instant::now();
            let done = ops::catch_up_slice(&spec, b, SLICE);
            // Free the database before pacing: a drain need not wait for it.
            drop(guard);
            if let (Ok(Some(s)), Some(throttle)) = (&done, throttle) {
                if s.applied > 0 && s.pending > 0 {
                    if let Some(old) = ops::locate(&spec, b).old {
                        let mut probe = Probe::new(&old, PROBE_TIMEOUT);
                        throttle.pace(&mut probe, s.applied, began.elapsed(), &|| false);
                    }
                }
            }
            done
        })
        .await;
        match slice {
            Ok(Ok(Some(s))) if s.applied > 0 && s.pending > 0 => continue,
            Ok(Ok(_)) => return,
            Ok(Err(e)) => {
                tracing::warn!(database = %c.name, "background catch-up failed: {e}");
                return;
            }
            Err(e) => {
                tracing::error!(database = %c.name, "background catch-up stopped: {e}");
                return;
            }
        }
    }
}

/// After cutover: completes the old side, closes a window whose time is
/// up, and carries the new database's writes back into the standby in
/// slices, until caught up or someone else wants the database.
async fn reverse_catch_up(registry: &Arc<Registry>, c: &DatabaseConfig) {
    loop {
        let Ok(guard) = registry.try_begin_step(&c.name, CATCH_UP) else {
            return;
        };
        let (spec, b) = (c.spec.clone(), busy(c));
        let slice = tokio::task::spawn_blocking(move || {
            let done = ops::window_slice(&spec, b, SLICE);
            drop(guard);
            done
        })
        .await;
        match slice {
            Ok(Ok(Some(s))) if s.applied > 0 && s.pending > 0 => continue,
            Ok(Ok(_)) => return,
            Ok(Err(e)) => {
                tracing::warn!(database = %c.name, "background reverse replay failed: {e}");
                return;
            }
            Err(e) => {
                tracing::error!(database = %c.name, "background reverse replay stopped: {e}");
                return;
            }
        }
    }
}
