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
use super::file::{Fleet, FleetTarget, OnFailure};
use super::state::{Outcome, State};
use crate::exit::{classify, message, Exit};

/// The detail of a target found cut over when the run started.
const ALREADY: &str = "already cut over";

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
    /// Targets their agents already reported cut over: done before the
    /// run starts, never skipped by a failure elsewhere.
    pub cut_over: Vec<bool>,
}

/// Runs the plan; one outcome per target (`None`: not in this run).
pub async fn run(
    fleet: &Fleet,
    schemas: &[SchemaSource],
    plan: &Plan,
    dash: Arc<Dashboard>,
) -> Vec<Option<Outcome>> {
    let targets = &fleet.targets;
    let mut board = Board::new(targets, &plan.active, plan.on_failure);
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
        });
    }
    for in_wave in board.waves() {
        loop {
            for (i, reason) in board.blocked(&in_wave) {
                board.state[i] = State::Skipped;
                dash.state(i, State::Skipped, &reason);
                out[i] = Some(Outcome {
                    state: State::Skipped,
                    detail: reason,
                    elapsed: Duration::ZERO,
                });
            }
            for i in board.ready(&in_wave) {
                if ids.len() >= plan.concurrency {
                    break;
                }
                board.state[i] = State::Running;
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
                ids.insert(set.spawn(driver.run()).id(), i);
            }
            let Some(joined) = set.join_next_with_id().await else {
                break;
            };
            let (id, result) = match joined {
                Ok((id, r)) => (id, r),
                Err(e) => (e.id(), Err(anyhow::anyhow!("internal error: {e}"))),
            };
            let Some(i) = ids.remove(&id) else { continue };
            let (state, detail) = match result {
                Ok(done) => done,
                Err(e) if classify(&e) == Exit::Cancelled => (State::Cancelled, message(&e)),
                Err(e) => (State::Failed, message(&e)),
            };
            board.record(i, state);
            dash.state(i, state, &detail);
            let elapsed = started[i].map_or(Duration::ZERO, |t| t.elapsed());
            out[i] = Some(Outcome {
                state,
                detail,
                elapsed,
            });
        }
    }
    out
}

/// The scheduling decisions, without I/O: who may start, who never will.
struct Board<'a> {
    targets: &'a [FleetTarget],
    active: Vec<bool>,
    /// Dependencies within this run, as indexes.
    deps: Vec<Vec<usize>>,
    state: Vec<State>,
    on_failure: OnFailure,
    /// Set at the first failure under `stop`: why nothing else starts.
    stopped: Option<String>,
}

impl<'a> Board<'a> {
    fn new(targets: &'a [FleetTarget], active: &[bool], on_failure: OnFailure) -> Board<'a> {
        let active: Vec<bool> = (0..targets.len())
            .map(|i| active.get(i).copied().unwrap_or(false))
            .collect();
        let index: HashMap<&str, usize> = targets
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.as_str(), i))
            .collect();
        let deps = targets
            .iter()
            .map(|t| {
                t.depends_on
                    .iter()
                    .filter_map(|d| index.get(d.as_str()).copied())
                    .filter(|&j| active[j])
                    .collect()
            })
            .collect();
        Board {
            targets,
            active,
            deps,
            state: vec![State::Queued; targets.len()],
            on_failure,
            stopped: None,
        }
    }

    /// The active targets wave by wave (targets are sorted by wave).
    fn waves(&self) -> Vec<Vec<usize>> {
        let mut waves: Vec<Vec<usize>> = Vec::new();
        for i in (0..self.targets.len()).filter(|&i| self.active[i]) {
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

    /// Queued targets that can no longer start, with why.
    fn blocked(&self, wave: &[usize]) -> Vec<(usize, String)> {
        wave.iter()
            .filter(|&&i| self.state[i] == State::Queued)
            .filter_map(|&i| {
                let reason = self.stopped.clone().or_else(|| {
                    let j = *self.deps[i]
                        .iter()
                        .find(|&&j| self.state[j].is_final() && !self.state[j].is_success())?;
                    Some(format!(
                        "depends on {}, which is {}",
                        self.targets[j].name,
                        self.state[j].name()
                    ))
                })?;
                Some((i, reason))
            })
            .collect()
    }

    /// Queued targets whose dependencies all reached the goal, in order.
    fn ready(&self, wave: &[usize]) -> Vec<usize> {
        wave.iter()
            .copied()
            .filter(|&i| self.state[i] == State::Queued)
            .filter(|&i| self.deps[i].iter().all(|&j| self.state[j].is_success()))
            .collect()
    }

    /// A target ended; under `stop` a failure stops every later start.
    fn record(&mut self, i: usize, state: State) {
        self.state[i] = state;
        if !state.is_success() && self.on_failure == OnFailure::Stop && self.stopped.is_none() {
            self.stopped = Some(format!(
                "rollout stopped: {} is {}",
                self.targets[i].name,
                state.name()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::file::Fleet;

    fn fleet() -> Fleet {
        let t = |name: &str, deps: &str, wave: u32| {
            format!("[[target]]\nname = {name:?}\nagent = \"http://h:1\"\ndatabase = \"d\"\ndepends_on = {deps}\nwave = {wave}\n")
        };
        let text = format!(
            "[defaults]\nschema = \"s.sql\"\n{}{}{}{}",
            t("a", "[]", 1),
            t("b", "[]", 1),
            t("child", "[\"a\"]", 1),
            t("late", "[]", 2),
        );
        Fleet::parse(&text, std::path::Path::new(".")).expect("valid")
    }

    #[test]
    fn dependents_wait_and_are_skipped_when_their_dependency_fails() {
        let f = fleet();
        let mut board = Board::new(&f.targets, &[true; 4], OnFailure::Continue);
        let waves = board.waves();
        assert_eq!(waves, [vec![0, 1, 2], vec![3]]);
        assert_eq!(board.ready(&waves[0]), [0, 1]);
        board.state[0] = State::Running;
        board.state[1] = State::Running;
        board.record(0, State::Failed);
        assert_eq!(
            board.blocked(&waves[0]),
            [(2, "depends on a, which is failed".to_string())]
        );
        assert!(
            board.blocked(&waves[1]).is_empty(),
            "continue: the next wave runs"
        );
        assert_eq!(board.ready(&waves[1]), [3]);
    }

    #[test]
    fn stop_skips_everything_not_yet_started() {
        let f = fleet();
        let mut board = Board::new(&f.targets, &[true; 4], OnFailure::Stop);
        board.state[0] = State::Running;
        board.record(1, State::Failed);
        let waves = board.waves();
        let blocked: Vec<usize> = waves
            .iter()
            .flat_map(|w| board.blocked(w))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(blocked, [2, 3]);
    }

    #[test]
    fn dependencies_outside_the_selection_are_not_waited_for() {
        let f = fleet();
        let board = Board::new(&f.targets, &[false, false, true, false], OnFailure::Stop);
        assert_eq!(board.waves(), [vec![2]]);
        assert_eq!(board.ready(&[2]), [2]);
    }
}
