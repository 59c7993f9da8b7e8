//! The rollout scheduler: runs a [`Driver`] per target, wave after wave,
//! never more than the concurrency limit at once. A dependency means *cut
//! over*: a target starts only once every dependency in the run is cut over,
//! and a wave only once the earlier waves' targets are cut over (or failed);
//! under `--postpone-cutover` the rest is *held*, saying what it waits for.
//! After a failure, `stop` starts nothing new (running targets finish);
//! `continue` skips only the failed target's dependents. One target's
//! failure never touches another's databases. `fleet verify` runs in
//! [`Order::Free`]: no order to keep; `fleet revert` in [`Order::Reverse`]:
//! the last wave first, a target once every target depending on it is
//! reverted.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use super::agents::Schemas;
use super::dashboard::Dashboard;
use super::driver::Driver;
use super::file::{FailureLimit, Fleet, FleetTarget, OnFailure};
use super::state::{Outcome, State};
use super::steps::Steps;
use crate::exit::{classify, message, Exit};

/// The detail of a target found cut over when the run started.
const ALREADY: &str = "already cut over";

/// What one run does, to which targets.
pub struct Plan {
    pub steps: Steps,
    pub order: Order,
    /// Stored with each migration (the rollout id).
    pub label: String,
    pub concurrency: usize,
    pub on_failure: OnFailure,
    /// Failures tolerated before nothing new starts (`None`: what
    /// `on_failure` says: none under `stop`, any under `continue`).
    pub max_failures: Option<FailureLimit>,
    /// The targets this run acts on (all, or `--only`); dependencies on
    /// the others are not waited for.
    pub active: Vec<bool>,
    /// Targets their agents already reported cut over: done before the
    /// run starts, never skipped by a failure elsewhere.
    pub cut_over: Vec<bool>,
}

/// Whether dependencies and waves order the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Dependencies and earlier waves must be cut over first.
    CutOverFirst,
    /// Every target at once (within the concurrency): `fleet verify`.
    Free,
    /// Later waves and dependents must be reverted first: `fleet revert`.
    Reverse,
}

impl Order {
    /// The state a dependency (or an earlier wave) must reach.
    fn goal(self) -> State {
        match self {
            Order::CutOverFirst | Order::Free => State::CutOver,
            Order::Reverse => State::Reverted,
        }
    }
}

/// Runs the plan; one outcome per target (`None`: not in this run).
pub async fn run(
    fleet: &Fleet,
    schemas: &Schemas,
    plan: &Plan,
    dash: Arc<Dashboard>,
) -> Vec<Option<Outcome>> {
    let targets = &fleet.targets;
    let mut board = Board::new(targets, &plan.active, plan.on_failure, plan.order);
    if let Some(limit) = plan.max_failures {
        let active = plan.active.iter().filter(|a| **a).count();
        board.allowed_failures = Some(limit.allowed(active));
    }
    let mut out: Vec<Option<Outcome>> = vec![None; targets.len()];
    let mut started: Vec<Option<Instant>> = vec![None; targets.len()];
    let mut set = JoinSet::new();
    let mut ids = HashMap::new();
    let done: Vec<usize> = (0..targets.len())
        .filter(|&i| board.active[i] && plan.cut_over.get(i).copied().unwrap_or(false))
        .collect();
    for i in done {
        board.record(i, State::CutOver);
        dash.state(i, State::CutOver, ALREADY);
        out[i] = Some(Outcome {
            state: State::CutOver,
            detail: ALREADY.into(),
            elapsed: Duration::ZERO,
            exit: None,
            refused: None,
        });
    }
    for in_wave in board.waves() {
        // Targets before `from` have all started or ended (they start in order).
        let mut from = 0;
        loop {
            while in_wave
                .get(from)
                .is_some_and(|&i| board.state[i] != State::Queued)
            {
                from += 1;
            }
            let in_wave = &in_wave[from..];
            for (i, state, reason) in board.blocked(in_wave) {
                board.state[i] = state;
                dash.state(i, state, &reason);
                out[i] = Some(Outcome {
                    state,
                    detail: reason,
                    elapsed: Duration::ZERO,
                    exit: None,
                    refused: None,
                });
            }
            for i in board.ready(in_wave, plan.concurrency.saturating_sub(ids.len())) {
                board.state[i] = State::Running;
                started[i] = Some(Instant::now());
                let driver = Driver {
                    index: i,
                    target: targets[i].clone(),
                    schema: schemas.of(&targets[i]),
                    label: plan.label.clone(),
                    steps: plan.steps,
                    catch_up_entries: fleet.catch_up_entries,
                    dash: dash.clone(),
                };
                let target = targets[i].clone();
                let run = async move {
                    match driver.run().await {
                        Err(e) => Err(super::agents::explained(&target, e).await),
                        ok => ok,
                    }
                };
                ids.insert(set.spawn(run).id(), i);
            }
            let Some(joined) = set.join_next_with_id().await else {
                break;
            };
            let (id, result) = match joined {
                Ok((id, r)) => (id, r),
                Err(e) => (e.id(), Err(anyhow::anyhow!("internal error: {e}"))),
            };
            let Some(i) = ids.remove(&id) else { continue };
            let (state, detail, exit, refused) = match result {
                Ok(e) => (e.state, e.detail, None, e.refused),
                Err(e) if classify(&e) == Exit::Cancelled => {
                    (State::Cancelled, message(&e), None, None)
                }
                Err(e) => (
                    State::Failed,
                    removed_since_start(message(&e)),
                    Some(classify(&e)),
                    None,
                ),
            };
            board.record(i, state);
            dash.state(i, state, &detail);
            let elapsed = started[i].map_or(Duration::ZERO, |t| t.elapsed());
            out[i] = Some(Outcome {
                state,
                detail,
                elapsed,
                exit,
                refused,
            });
        }
    }
    out
}

/// A target's file gone mid-run: every target of a run existed when the
/// rollout froze its set, so "does not exist; check the path" means it was
/// removed since; say so, and what to do.
fn removed_since_start(line: String) -> String {
    let Some(file) = line.strip_suffix(mig::engine::open::MISSING) else {
        return line;
    };
    format!(
        "{}was removed since the rollout started (it was there when the rollout froze its set); if the tenant was offboarded, re-run `mig fleet rollout`, which leaves it out; otherwise restore the file and re-run",
        file
    )
}

/// The scheduling decisions, without I/O: who may start, who never will.
struct Board<'a> {
    targets: &'a [FleetTarget],
    active: Vec<bool>,
    order: Order,
    /// Dependencies within this run, as indexes.
    deps: Vec<Vec<usize>>,
    state: Vec<State>,
    /// Set once too many targets failed: why nothing else starts.
    stopped: Option<String>,
    /// Failed (or cancelled) targets so far.
    failures: u64,
    /// How many may fail before nothing new starts (`None`: any number).
    allowed_failures: Option<u64>,
}

impl<'a> Board<'a> {
    fn new(
        targets: &'a [FleetTarget],
        active: &[bool],
        on_failure: OnFailure,
        order: Order,
    ) -> Board<'a> {
        let active: Vec<bool> = (0..targets.len())
            .map(|i| active.get(i).copied().unwrap_or(false))
            .collect();
        let index: HashMap<&str, usize> = targets
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.as_str(), i))
            .collect();
        let mut deps: Vec<Vec<usize>> = targets
            .iter()
            .map(|t| {
                t.depends_on
                    .iter()
                    .filter_map(|d| index.get(d.as_str()).copied())
                    .filter(|&j| active[j] && order != Order::Free)
                    .collect()
            })
            .collect();
        if order == Order::Reverse {
            // A target waits for the targets that depend on it.
            let mut dependents = vec![Vec::new(); targets.len()];
            for (i, ds) in deps.iter().enumerate() {
                for &j in ds {
                    dependents[j].push(i);
                }
            }
            deps = dependents;
        }
        Board {
            targets,
            active,
            order,
            deps,
            state: vec![State::Queued; targets.len()],
            stopped: None,
            failures: 0,
            allowed_failures: match on_failure {
                OnFailure::Stop => Some(0),
                OnFailure::Continue => None,
            },
        }
    }

    /// The active targets wave by wave (targets are sorted by wave); one
    /// wave of all of them in [`Order::Free`]; in [`Order::Reverse`] the
    /// execution order reversed (the last wave first and, within a wave,
    /// dependents before what they depend on).
    fn waves(&self) -> Vec<Vec<usize>> {
        let active = (0..self.targets.len()).filter(|&i| self.active[i]);
        if self.order == Order::Free {
            return vec![active.collect()];
        }
        let mut waves: Vec<Vec<usize>> = Vec::new();
        let active: Vec<usize> = match self.order {
            Order::Reverse => active.rev().collect(),
            _ => active.collect(),
        };
        for i in active {
            match waves.last_mut() {
                Some(w)
                    if w.first()
                        .is_some_and(|&f| self.targets[f].wave == self.targets[i].wave) =>
                {
                    w.push(i)
                }
                _ => waves.push(vec![i]),
            }
        }
        waves
    }

    /// Queued targets that cannot start in this run: skipped (something
    /// failed) or held (something is not cut over yet), with why.
    fn blocked(&self, wave: &[usize]) -> Vec<(usize, State, String)> {
        // One look at the earlier waves serves the whole wave.
        let earlier = wave.first().and_then(|&i| self.waits_for_wave(i));
        wave.iter()
            .filter(|&&i| self.state[i] == State::Queued)
            .filter_map(|&i| {
                if let Some(why) = &self.stopped {
                    return Some((i, State::Skipped, why.clone()));
                }
                self.waits_for_dependency(i)
                    .or_else(|| earlier.clone())
                    .map(|(state, why)| (i, state, why))
            })
            .collect()
    }

    /// A dependency that ended without being cut over.
    fn waits_for_dependency(&self, i: usize) -> Option<(State, String)> {
        let goal = self.order.goal();
        let j = *self.deps[i]
            .iter()
            .find(|&&j| self.state[j].is_final() && self.state[j] != goal)?;
        let (dep, state) = (&self.targets[j].name, self.state[j]);
        let relation = match self.order {
            Order::Reverse => "is depended on by",
            _ => "depends on",
        };
        Some(match state {
            State::Waiting | State::Drained | State::Held => (
                State::Held,
                format!(
                    "waits for {dep} to be {} ({dep} is {})",
                    goal.name(),
                    state.name()
                ),
            ),
            _ => (
                State::Skipped,
                format!("{relation} {dep}, which is {}", state.name()),
            ),
        })
    }

    /// An earlier wave's target that stopped short of cutover on purpose
    /// (a failed one does not hold later waves: the policy decides).
    fn waits_for_wave(&self, i: usize) -> Option<(State, String)> {
        let wave = self.targets[i].wave;
        let earlier_wave = |w: u32| match self.order {
            Order::Reverse => w > wave,
            _ => w < wave,
        };
        let j = (0..self.targets.len()).find(|&j| {
            self.active[j]
                && earlier_wave(self.targets[j].wave)
                && matches!(self.state[j], State::Waiting | State::Drained | State::Held)
        })?;
        let earlier = &self.targets[j];
        Some((
            State::Held,
            format!(
                "waits for wave {} to be {} ({} is {})",
                earlier.wave,
                self.order.goal().name(),
                earlier.name,
                self.state[j].name()
            ),
        ))
    }

    /// Up to `limit` queued targets whose dependencies are all cut over,
    /// in order.
    fn ready(&self, wave: &[usize], limit: usize) -> Vec<usize> {
        wave.iter()
            .copied()
            .filter(|&i| self.state[i] == State::Queued)
            .filter(|&i| {
                self.deps[i]
                    .iter()
                    .all(|&j| self.state[j] == self.order.goal())
            })
            .take(limit)
            .collect()
    }

    /// A target ended; once more failed than allowed, nothing new starts.
    fn record(&mut self, i: usize, state: State) {
        self.state[i] = state;
        if !matches!(state, State::Failed | State::Cancelled) {
            return;
        }
        self.failures += 1;
        let over = self.allowed_failures.is_some_and(|a| self.failures > a);
        if !over || self.stopped.is_some() {
            return;
        }
        let last = format!("{} is {}", self.targets[i].name, state.name());
        self.stopped = Some(match self.allowed_failures {
            Some(0) => format!("rollout stopped: {last}"),
            Some(a) => format!(
                "rollout stopped: {} targets failed, more than the {a} allowed (max_failures); the last: {last}",
                self.failures
            ),
            None => format!("rollout stopped: {last}"),
        });
    }
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
