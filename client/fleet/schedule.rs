//! The rollout scheduler: runs a [`Driver`] per target, wave after wave,
//! never more than the concurrency limit at once, a target only after its
//! dependencies reached the goal. After a failure, `stop` starts nothing
//! new (running targets finish); `continue` skips only the failed target's
//! dependents. One target's failure never touches another's databases.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mig::proto::SchemaSource;
use tokio::task::JoinSet;

use super::dashboard::Dashboard;
use super::driver::{Driver, Steps};
use super::file::{Fleet, OnFailure};
use super::state::{Outcome, State};
use crate::exit::{classify, message, Exit};

/// What one run does, to which targets.
pub struct Plan {
    pub steps: Steps,
    /// Stored with each migration (the rollout id).
    pub label: String,
    pub concurrency: usize,
    pub on_failure: OnFailure,
    /// The targets this run acts on (all, or `--only`); dependencies on
    /// the others are not waited for.
    pub active: Vec<bool>,
}

/// Runs the plan; one outcome per target (`None`: not in this run).
pub async fn run(
    fleet: &Fleet,
    schemas: &[SchemaSource],
    plan: &Plan,
    dash: Arc<Dashboard>,
) -> Vec<Option<Outcome>> {
    let targets = &fleet.targets;
    let index: HashMap<&str, usize> = targets
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let deps: Vec<Vec<usize>> = targets
        .iter()
        .map(|t| {
            t.depends_on
                .iter()
                .filter_map(|d| index.get(d.as_str()).copied())
                .filter(|&j| plan.active.get(j).copied().unwrap_or(false))
                .collect()
        })
        .collect();
    let active = |i: usize| plan.active.get(i).copied().unwrap_or(false);
    let mut state = vec![State::Queued; targets.len()];
    let mut out: Vec<Option<Outcome>> = vec![None; targets.len()];
    let mut started: Vec<Option<Instant>> = vec![None; targets.len()];
    let mut set = JoinSet::new();
    let mut ids = HashMap::new();
    let mut stopped: Option<String> = None;
    let mut waves: Vec<u32> = (0..targets.len())
        .filter(|&i| active(i))
        .map(|i| targets[i].wave)
        .collect();
    waves.dedup();
    for wave in waves {
        let in_wave: Vec<usize> = (0..targets.len())
            .filter(|&i| active(i) && targets[i].wave == wave)
            .collect();
        loop {
            for &i in &in_wave {
                if state[i] != State::Queued {
                    continue;
                }
                let reason = stopped.clone().or_else(|| {
                    deps[i]
                        .iter()
                        .find(|&&j| state[j].is_final() && !state[j].is_success())
                        .map(|&j| {
                            format!(
                                "depends on {}, which is {}",
                                targets[j].name,
                                state[j].name()
                            )
                        })
                });
                if let Some(reason) = reason {
                    state[i] = State::Skipped;
                    dash.state(i, State::Skipped, &reason);
                    out[i] = Some(Outcome {
                        state: State::Skipped,
                        detail: reason,
                        elapsed: Duration::ZERO,
                    });
                }
            }
            for &i in &in_wave {
                if ids.len() >= plan.concurrency {
                    break;
                }
                if state[i] != State::Queued || !deps[i].iter().all(|&j| state[j].is_success()) {
                    continue;
                }
                state[i] = State::Running;
                started[i] = Some(Instant::now());
                let driver = Driver {
                    index: i,
                    target: targets[i].clone(),
                    schema: schemas.get(i).cloned(),
                    label: plan.label.clone(),
                    steps: plan.steps,
                    catch_up_entries: fleet.catch_up_entries,
                    dash: dash.clone(),
                };
                let handle = set.spawn(driver.run());
                ids.insert(handle.id(), i);
            }
            let Some(joined) = set.join_next_with_id().await else {
                break;
            };
            let (id, result) = match joined {
                Ok((id, r)) => (id, r),
                Err(e) => (e.id(), Err(anyhow::anyhow!("internal error: {e}"))),
            };
            let Some(i) = ids.remove(&id) else { continue };
            let (s, detail) = match result {
                Ok(done) => done,
                Err(e) if classify(&e) == Exit::Cancelled => (State::Cancelled, message(&e)),
                Err(e) => (State::Failed, message(&e)),
            };
            state[i] = s;
            dash.state(i, s, &detail);
            let elapsed = started[i].map_or(Duration::ZERO, |t| t.elapsed());
            out[i] = Some(Outcome {
                state: s,
                detail,
                elapsed,
            });
            if !s.is_success() && plan.on_failure == OnFailure::Stop && stopped.is_none() {
                stopped = Some(format!(
                    "rollout stopped: {} is {}",
                    targets[i].name,
                    s.name()
                ));
            }
        }
    }
    out
}
