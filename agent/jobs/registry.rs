//! The databases an agent serves and what runs on each: at most one job or
//! one-shot step per database, plus the recent finished jobs for re-attach.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use tokio::sync::broadcast;

pub use super::hold::Hold;
use super::hold::{conflict, holder, Holder};
use super::hooks::Hooks;
use super::job::{self, EventBody, Job, JobFailure, Summary};
use super::observe::JobObserver;
use super::served::Served;
use super::sets::{Configured, Discovery};
use super::{JobError, JobKind};
use crate::config::{AgentConfig, DatabaseConfig};
use crate::engine::state::Phase;
use crate::engine::throttle::Throttle;
use crate::engine::{self, Ctx, EngineError, Event};
use crate::metrics::Metrics;

/// Finished jobs kept per database so `watch` can still replay them.
const RECENT_JOBS: usize = 8;

/// Switches not yet taken by the health service. A lagging receiver loses
/// the oldest; the supervisor's next phase report covers them.
const SWITCHED_CAPACITY: usize = 16;

/// Finished jobs kept in all: an agent serving thousands of databases keeps
/// the newest ones, not eight per database.
const RECENT_JOBS_TOTAL: usize = 512;

/// Longest wait for a background catch-up slice to release a database.
const CATCH_UP_WAIT: Duration = Duration::from_secs(30);

#[derive(Default)]
pub(super) struct Slot {
    pub(super) running: Option<Arc<Job>>,
    /// A one-shot step (cutover, cleanup-old, reset, …), a background
    /// slice or a job being started.
    pub(super) step: Option<Hold>,
    pub(super) recent: VecDeque<Arc<Job>>,
    /// Bumped whenever a step or job starts or ends: what a cached status
    /// of this database must match.
    generation: u64,
}

pub struct Registry {
    /// Locked after `slots` when both are needed.
    pub(super) served: RwLock<Served>,
    pub(super) slots: Mutex<HashMap<String, Slot>>,
    /// The configured entries and database sets, discovery serialised.
    pub(super) discovery: Discovery,
    /// Every kept finished job, oldest first (locked after `slots`).
    finished: Mutex<VecDeque<Arc<Job>>>,
    shutting_down: AtomicBool,
    /// Runs the databases' hooks, in order, off the job threads.
    pub hooks: Hooks,
    /// What jobs and calls report for Prometheus.
    pub metrics: Arc<Metrics>,
    /// Each database whose serving side just switched (cutover committed,
    /// or a revert made the old one writable again), for the health service.
    switched: broadcast::Sender<Switched>,
}

/// A database whose serving side switched: `phase` says which side serves
/// now ([`Phase::CutOver`]: the new database; [`Phase::Reverted`]: the old).
#[derive(Debug, Clone)]
pub struct Switched {
    pub database: String,
    pub phase: Phase,
}

/// Holds a database for a one-shot step; released on drop.
pub struct StepGuard {
    registry: Arc<Registry>,
    database: String,
}

impl Drop for StepGuard {
    fn drop(&mut self) {
        if let Some(slot) = self.registry.slots().get_mut(&self.database) {
            slot.step = None;
            slot.generation += 1;
        }
        self.registry.settle(&self.database);
    }
}

impl Registry {
    /// Serves `config`'s databases; database sets are added by
    /// [`Registry::configure`].
    pub fn new(config: AgentConfig) -> Arc<Self> {
        Arc::new(Registry {
            served: RwLock::new(Served::new(config.clone())),
            slots: Mutex::new(HashMap::new()),
            discovery: Discovery::new(Configured {
                explicit: config,
                sets: Vec::new(),
            }),
            finished: Mutex::new(VecDeque::new()),
            shutting_down: AtomicBool::new(false),
            hooks: Hooks::new(),
            metrics: Arc::new(Metrics::new()),
            switched: broadcast::channel(SWITCHED_CAPACITY).0,
        })
    }

    /// Databases as their cutover commits (a `cutover` step, or a drain
    /// job with `--cutover`) or their revert completes, the moment it does.
    pub fn switch_events(&self) -> broadcast::Receiver<Switched> {
        self.switched.subscribe()
    }

    /// Tells the health service that `database`'s new database is ready.
    pub fn announce_ready(&self, database: &str) {
        self.announce(database, Phase::CutOver);
    }

    /// Tells the health service that `database` is now in `phase`.
    fn announce(&self, database: &str, phase: Phase) {
        // No receiver (local mode): nobody is waiting.
        let _ = self.switched.send(Switched {
            database: database.to_string(),
            phase,
        });
    }

    pub(super) fn slots(&self) -> MutexGuard<'_, HashMap<String, Slot>> {
        // Every update under this lock is a single field assignment, so a
        // panic elsewhere cannot leave it half-done.
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn served(&self) -> RwLockReadGuard<'_, Served> {
        // Every update under this lock is a set of map operations that
        // cannot panic halfway.
        self.served.read().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn served_mut(&self) -> RwLockWriteGuard<'_, Served> {
        self.served.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The database's throttle (`NotFound` for an unknown name).
    pub fn throttle(&self, name: &str) -> Result<Arc<Throttle>, JobError> {
        self.database(name)?;
        Ok(self
            .served()
            .throttle(name)
            .unwrap_or_else(|| Arc::new(Throttle::default())))
    }

    /// Every database served now.
    pub fn databases(&self) -> Vec<DatabaseConfig> {
        self.served().all()
    }

    /// The configuration of a database, or `UnknownDatabase` (`Alias` for
    /// a set file's second name, a link to a file served as another).
    pub fn database(&self, name: &str) -> Result<DatabaseConfig, JobError> {
        let served = self.served();
        if let Some(found) = served.get(name) {
            return Ok(found.clone());
        }
        Err(match self.discovery.alias(name) {
            Some(serves_as) => JobError::Alias {
                name: name.to_string(),
                serves_as,
            },
            None => JobError::UnknownDatabase {
                name: name.to_string(),
                known: served.names(),
            },
        })
    }

    pub(super) fn check_open(&self) -> Result<(), JobError> {
        if self.shutting_down.load(Ordering::SeqCst) {
            return Err(JobError::ShuttingDown);
        }
        Ok(())
    }

    pub(super) fn busy_with(database: &str, slot: &Slot) -> Option<JobError> {
        holder(slot).map(|h| conflict(database, h))
    }

    /// Claims a database for a one-shot step, refusing while a job or
    /// another step runs (a background catch-up slice is waited for).
    pub async fn begin_step(
        self: &Arc<Self>,
        database: &str,
        hold: Hold,
    ) -> Result<StepGuard, JobError> {
        let deadline = Instant::now() + CATCH_UP_WAIT;
        loop {
            match self.take(database, hold)? {
                Ok(guard) => return Ok(guard),
                Err(Holder::Hold(Hold::CatchUp)) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(5)).await
                }
                Err(holder) => return Err(conflict(database, holder)),
            }
        }
    }

    /// Claims a database for a step if nothing runs on it right now.
    pub fn try_begin_step(
        self: &Arc<Self>,
        database: &str,
        hold: Hold,
    ) -> Result<StepGuard, JobError> {
        self.take(database, hold)?
            .map_err(|holder| conflict(database, holder))
    }

    /// Holds the database, or says what holds it instead.
    fn take(
        self: &Arc<Self>,
        database: &str,
        hold: Hold,
    ) -> Result<Result<StepGuard, Holder>, JobError> {
        self.check_accepts(database)?;
        let mut slots = self.slots();
        let slot = slots.entry(database.to_string()).or_default();
        if let Some(holder) = holder(slot) {
            return Ok(Err(holder));
        }
        slot.step = Some(hold);
        slot.generation += 1;
        Ok(Ok(StepGuard {
            registry: Arc::clone(self),
            database: database.to_string(),
        }))
    }

    /// Starts `work` as a job on its own thread; refuses while a job or
    /// step runs on the database (a background catch-up slice is waited for).
    pub async fn start<F>(
        self: &Arc<Self>,
        database: &str,
        kind: JobKind,
        started_by: &str,
        work: F,
    ) -> Result<Arc<Job>, JobError>
    where
        F: FnOnce(&DatabaseConfig, &mut Ctx<'_>) -> engine::Result<Summary> + Send + 'static,
    {
        self.check_accepts(database)?;
        let config = self.database(database)?;
        let id = format!("{}-{:08x}", kind.as_str(), rand::random::<u32>());
        let job = Arc::new(Job::new(
            id,
            database.to_string(),
            kind,
            started_by.to_string(),
            self.throttle(database)?,
        ));
        // Hold the database as a step first, then turn the claim into the job.
        let guard = self.begin_step(database, Hold::Job(kind)).await?;
        {
            let mut slots = self.slots();
            let slot = slots.entry(database.to_string()).or_default();
            slot.running = Some(Arc::clone(&job));
            slot.generation += 1;
        }
        drop(guard);
        job.push(EventBody::Started);
        let (registry, thread_job) = (Arc::clone(self), Arc::clone(&job));
        let spawned = std::thread::Builder::new()
            .name(format!("job-{}", job.id))
            .spawn(move || registry.run(thread_job, &config, work));
        if let Err(e) = spawned {
            job.push(EventBody::Cancelled(format!(
                "the job could not start: {e}"
            )));
            self.finish(&job);
            return Err(JobError::Spawn(e));
        }
        Ok(job)
    }

    fn run<F>(&self, job: Arc<Job>, config: &DatabaseConfig, work: F)
    where
        F: FnOnce(&DatabaseConfig, &mut Ctx<'_>) -> engine::Result<Summary>,
    {
        let sink_job = Arc::clone(&job);
        let mut observer = JobObserver::new(self, config, &job);
        let mut sink = |e: Event| {
            observer.event(&e);
            if matches!(e, Event::Ready { .. }) {
                self.announce(&sink_job.database, Phase::CutOver);
            }
            sink_job.push(EventBody::Engine(e));
        };
        let mut ctx = Ctx {
            control: &job.control,
            sink: &mut sink,
        };
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(config, &mut ctx)));
        let body = match outcome {
            Ok(Ok(summary)) => EventBody::Completed(summary),
            Ok(Err(EngineError::Cancelled(m))) if self.shutting_down.load(Ordering::SeqCst) => {
                EventBody::Cancelled(format!("the agent is shutting down; {m}"))
            }
            Ok(Err(EngineError::Cancelled(m))) => EventBody::Cancelled(m),
            Ok(Err(e)) => EventBody::Failed(JobFailure::Engine(Arc::new(e))),
            Err(panic) => {
                tracing::error!(job = %job.id, database = %job.database, panic = panic_text(panic.as_ref()), "job panicked (a bug)");
                EventBody::Failed(JobFailure::Panicked)
            }
        };
        if let EventBody::Completed(Summary::Revert(_)) = &body {
            // The old database writes again: pushed before a follower sees
            // the job end.
            self.announce(&job.database, Phase::Reverted);
        }
        let seconds = (job::now_ms() - job.started_unix_ms).max(0) as f64 / 1000.0;
        tracing::info!(job = %job.id, database = %job.database, outcome = outcome_name(&body), seconds, "job ended");
        JobObserver::new(self, config, &job).ended(&body);
        job.push(body);
        self.finish(&job);
    }

    fn finish(&self, job: &Arc<Job>) {
        let mut slots = self.slots();
        let slot = slots.entry(job.database.clone()).or_default();
        if slot.running.as_ref().is_some_and(|r| Arc::ptr_eq(r, job)) {
            slot.running = None;
        }
        slot.recent.push_front(Arc::clone(job));
        slot.recent.truncate(RECENT_JOBS);
        slot.generation += 1;
        // The agent-wide bound: the oldest finished job anywhere goes.
        let mut finished = self.finished.lock().unwrap_or_else(|p| p.into_inner());
        finished.push_back(Arc::clone(job));
        while finished.len() > RECENT_JOBS_TOTAL {
            let Some(old) = finished.pop_front() else {
                break;
            };
            if let Some(s) = slots.get_mut(&old.database) {
                s.recent.retain(|j| !Arc::ptr_eq(j, &old));
            }
        }
        finished.retain(|j| Arc::strong_count(j) > 1);
        drop(finished);
        drop(slots);
        self.settle(&job.database);
    }

    /// Changes with every step and job that starts or ends on `database`.
    pub fn generation(&self, database: &str) -> u64 {
        self.slots().get(database).map_or(0, |s| s.generation)
    }

    /// Refuses new work and asks every running job to stop at its next
    /// chunk boundary (everything committed is kept). Returns the jobs to
    /// wait for.
    pub fn shut_down(&self) -> Vec<Arc<Job>> {
        self.shutting_down.store(true, Ordering::SeqCst);
        let slots = self.slots();
        let running: Vec<Arc<Job>> = slots.values().filter_map(|s| s.running.clone()).collect();
        for job in &running {
            job.cancel();
        }
        running
    }
}

/// What a panic said, for the log line.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

fn outcome_name(body: &EventBody) -> &'static str {
    match body {
        EventBody::Completed(_) => "completed",
        EventBody::Failed(_) => "failed",
        EventBody::Cancelled(_) => "cancelled",
        EventBody::Started | EventBody::Engine(_) => "running",
    }
}
