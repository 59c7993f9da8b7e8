//! The agent's steady background work, bounded whatever the number of
//! databases it serves: it claims each served database's old file (so no
//! other process works on it), reads phases for the health service, and
//! replays the log of recording databases so a drain only has the tail
//! (and, after cutover, a standby's reverse log; see [`Direction`]).
//!
//! Bounded: a phase is read when the registry's generation of the database
//! changed (a job or step started or ended: the only way its phase moves
//! while this agent holds it), when it was never read, and otherwise at
//! most [`RECHECKS_PER_ROUND`] databases per round, the longest unread
//! first (files changed outside mig). Catch-up shares [`WORKERS`] blocking
//! workers fairly: one slice per recording database in turn, a database
//! with more pending going to the back of the queue, for at most one
//! round's time. Nothing here keeps a thread, or more than a few words of
//! state, per database.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::background::{phase_of, PhaseReport};
use super::registry::Hold;
use super::Registry;
use crate::config::DatabaseConfig;
use crate::engine::ops;
use crate::engine::paths::DatabaseSpec;
use crate::engine::state::{owner::Claim, Phase};
use crate::engine::throttle::Probe;

/// The longest a throttle probe waits for the old database's write lock.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// Entries replayed per background slice: short enough that a drain or a
/// step waiting for the database gets it within milliseconds.
const SLICE: u64 = 5_000;

/// Blocking workers shared by every database's catch-up and phase reads.
pub const WORKERS: usize = 2;

/// Databases whose phase is read again per round without a reason.
pub const RECHECKS_PER_ROUND: usize = 32;

/// What the supervisor last saw of a database.
struct Seen {
    phase: Option<Phase>,
    generation: u64,
    read_at: Instant,
}

/// Runs forever: every `interval`, claims what is served, reads the phases
/// that may have moved (reporting changes) and catches up the recording
/// databases.
pub async fn supervise(
    registry: Arc<Registry>,
    interval: Duration,
    phases: mpsc::Sender<PhaseReport>,
) {
    let mut claims = Claims::default();
    let mut seen: HashMap<String, Seen> = HashMap::new();
    loop {
        let round = Instant::now();
        let configs: Vec<DatabaseConfig> = registry.databases();
        claims.reconcile(&configs).await;
        let due = due(&registry, &configs, &mut seen);
        let mut read_now = BTreeSet::new();
        for Read {
            name,
            phase,
            read_at,
            generation,
        } in read_phases(&registry, due).await
        {
            read_now.insert(name.clone());
            let before = seen.insert(
                name.clone(),
                Seen {
                    phase,
                    generation,
                    read_at: Instant::now(),
                },
            );
            let changed = before.is_none_or(|b| b.phase != phase);
            let report = PhaseReport {
                database: name,
                phase,
                read_at,
            };
            if changed && phases.send(report).await.is_err() {
                return;
            }
        }
        let work: Vec<(DatabaseConfig, Direction)> = configs
            .into_iter()
            .filter_map(|c| {
                let phase = seen.get(&c.name)?.phase?;
                let direction = Direction::of(phase, read_now.contains(&c.name))?;
                Some((c, direction))
            })
            .collect();
        catch_up_round(&registry, work, interval).await;
        tracing::trace!(took = ?round.elapsed(), "supervise round");
        tokio::time::sleep(interval).await;
    }
}

/// Which log a background slice replays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// The old database's writes into the new one (recording).
    Forward,
    /// After cutover: settle the old side, close a window whose time is
    /// up, carry the new database's writes back into the standby.
    Reverse,
}

impl Direction {
    /// The work a database in `phase` gets this round. A standby gets a
    /// reverse slice every round (its window closes on time); a cut-over
    /// database only when its phase was just read (it moved, or its turn
    /// came), so thousands of finished tenants cost nothing per round.
    fn of(phase: Phase, read_now: bool) -> Option<Direction> {
        match phase {
            p if p.catches_up() => Some(Direction::Forward),
            Phase::Standby => Some(Direction::Reverse),
            Phase::CutOver if read_now => Some(Direction::Reverse),
            _ => None,
        }
    }
}

/// The databases whose phase to read this round (see the module doc);
/// forgets the ones no longer served.
fn due(
    registry: &Registry,
    configs: &[DatabaseConfig],
    seen: &mut HashMap<String, Seen>,
) -> Vec<DatabaseConfig> {
    let served: BTreeSet<&str> = configs.iter().map(|c| c.name.as_str()).collect();
    seen.retain(|name, _| served.contains(name.as_str()));
    let mut moved = Vec::new();
    let mut idle: Vec<(Instant, &DatabaseConfig)> = Vec::new();
    for c in configs {
        match seen.get(&c.name) {
            Some(s) if s.generation == registry.generation(&c.name) => idle.push((s.read_at, c)),
            _ => moved.push(c.clone()),
        }
    }
    idle.sort_by_key(|(at, _)| *at);
    moved.extend(
        idle.into_iter()
            .take(RECHECKS_PER_ROUND)
            .map(|(_, c)| c.clone()),
    );
    moved
}

/// One phase read.
struct Read {
    name: String,
    phase: Option<Phase>,
    /// When the reading started: a cutover announced after it is newer.
    read_at: Instant,
    /// The registry's generation before the reading: a job or step that
    /// moved the phase meanwhile makes the next round read it again.
    generation: u64,
}

/// Reads the phases of `due`, [`WORKERS`] at a time.
async fn read_phases(registry: &Registry, due: Vec<DatabaseConfig>) -> Vec<Read> {
    let mut queue: VecDeque<DatabaseConfig> = due.into();
    let mut running = JoinSet::new();
    let mut out = Vec::new();
    loop {
        while running.len() < WORKERS {
            let Some(c) = queue.pop_front() else { break };
            let (read_at, generation) = (Instant::now(), registry.generation(&c.name));
            running.spawn(async move {
                Read {
                    phase: phase_of(&c).await,
                    name: c.name,
                    read_at,
                    generation,
                }
            });
        }
        match running.join_next().await {
            Some(Ok(read)) => out.push(read),
            Some(Err(e)) => tracing::error!("reading a phase stopped: {e}"),
            None => return out,
        }
    }
}

/// One slice per database with work in turn on [`WORKERS`] workers; a
/// database with more pending goes to the back of the queue until
/// `budget` is spent.
async fn catch_up_round(
    registry: &Arc<Registry>,
    work: Vec<(DatabaseConfig, Direction)>,
    budget: Duration,
) {
    let deadline = Instant::now() + budget;
    let mut queue: VecDeque<(DatabaseConfig, Direction)> = work.into();
    let mut running = JoinSet::new();
    loop {
        while running.len() < WORKERS {
            let Some((c, direction)) = queue.pop_front() else {
                break;
            };
            let registry = Arc::clone(registry);
            running.spawn(async move {
                let more = match direction {
                    Direction::Forward => slice(&registry, &c).await,
                    Direction::Reverse => reverse_slice(&registry, &c).await,
                };
                ((c, direction), more)
            });
        }
        match running.join_next().await {
            Some(Ok((w, true))) if Instant::now() < deadline => queue.push_back(w),
            Some(Ok(_)) => {}
            Some(Err(e)) => tracing::error!("background catch-up stopped: {e}"),
            None => return,
        }
    }
}

/// Replays one slice unless someone else holds the database; whether more
/// is pending.
async fn slice(registry: &Arc<Registry>, c: &DatabaseConfig) -> bool {
    let Ok(guard) = registry.try_begin_step(&c.name, Hold::CatchUp) else {
        return false;
    };
    let (spec, b) = (c.spec.clone(), c.busy());
    let throttle = registry.throttle(&c.name).ok();
    let done = tokio::task::spawn_blocking(move || {
        let began = Instant::now();
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
    match done {
        Ok(Ok(Some(s))) => s.applied > 0 && s.pending > 0,
        Ok(Ok(None)) => false,
        Ok(Err(e)) => {
            tracing::warn!(database = %c.name, "background catch-up failed: {e}");
            false
        }
        Err(e) => {
            tracing::error!(database = %c.name, "background catch-up stopped: {e}");
            false
        }
    }
}

/// One reverse slice (see [`Direction::Reverse`]) unless someone else
/// holds the database; whether more is pending.
async fn reverse_slice(registry: &Arc<Registry>, c: &DatabaseConfig) -> bool {
    let Ok(guard) = registry.try_begin_step(&c.name, Hold::CatchUp) else {
        return false;
    };
    let (spec, b) = (c.spec.clone(), c.busy());
    let done = tokio::task::spawn_blocking(move || {
        let done = ops::window_slice(&spec, b, SLICE);
        drop(guard);
        done
    })
    .await;
    match done {
        Ok(Ok(Some(ops::ReverseSlice {
            window_closed: Some(dropped),
            ..
        }))) => {
            tracing::info!(
                database = %c.name,
                writes_not_carried_back = dropped,
                "revert window closed at its end: no revert any more, the old database is retired"
            );
            false
        }
        Ok(Ok(Some(s))) => s.applied > 0 && s.pending > 0,
        Ok(Ok(None)) => false,
        Ok(Err(e)) => {
            tracing::warn!(database = %c.name, "background reverse replay failed: {e}");
            false
        }
        Err(e) => {
            tracing::error!(database = %c.name, "background reverse replay stopped: {e}");
            false
        }
    }
}

/// The agent's claims on the old files of the databases it serves now.
#[derive(Default)]
struct Claims {
    held: HashMap<String, (DatabaseSpec, Claim)>,
    /// Databases another process holds (logged once, tried again each round).
    refused: BTreeSet<String>,
}

impl Claims {
    /// Claims the databases served now that are not claimed yet (added by a
    /// reload or a discovery, created since, or released by another
    /// process), and lets go of those no longer served.
    async fn reconcile(&mut self, configs: &[DatabaseConfig]) {
        let served: HashMap<&str, &DatabaseSpec> =
            configs.iter().map(|c| (c.name.as_str(), &c.spec)).collect();
        self.held
            .retain(|name, (spec, _)| served.get(name.as_str()).is_some_and(|s| *s == spec));
        self.refused
            .retain(|name| served.contains_key(name.as_str()));
        for c in configs {
            if self.held.contains_key(&c.name) {
                continue;
            }
            let (spec, b) = (c.spec.clone(), c.busy());
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
