//! One job: its identity, its pause/cancel control, and the numbered log
//! of the events it emitted, which followers read from any sequence number.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;

use super::rate::{Estimate, RateWindow, Sample, Work};
use super::{JobKind, JobState};
use crate::engine::ops::{DrainSummary, MigrateSummary, RevertSummary, VerifySummary};
use crate::engine::{Control, EngineError, Event};

/// Events a job keeps for followers that (re-)attach. Older ones are
/// dropped; a follower asking for them is told how many it missed.
pub const EVENT_LOG_CAPACITY: usize = 4096;

/// What a finished job produced.
#[derive(Debug, Clone)]
pub enum Summary {
    Migrate(MigrateSummary),
    Drain(DrainSummary),
    Verify(VerifySummary),
    Revert(RevertSummary),
}

#[derive(Debug, Clone)]
pub enum EventBody {
    Started,
    Engine(Event),
    Completed(Summary),
    Failed(JobFailure),
    Cancelled(String),
}

/// Why a job failed: the engine refused or failed (the error says what to
/// do), or the job's thread panicked, a bug. Either way what the job
/// committed is kept and the job ends `Failed`; `service/error.rs` gives
/// each its status code.
#[derive(Debug, Clone, thiserror::Error)]
pub enum JobFailure {
    #[error("{0}")]
    Engine(Arc<EngineError>),
    #[error("the job stopped on an internal error (a bug; see the agent log); everything committed so far is kept, re-run the command to continue")]
    Panicked,
}

impl JobFailure {
    /// The `outcome` a dashboard counts it under: `refused` when a check
    /// of the job's own refused the request or the databases' state (a bad
    /// schema or plan, the wrong phase, rows the pre-check refuses, another
    /// mig holding the database: the request or the data needs changing,
    /// nothing ran that must be repaired), `failed` when the work itself
    /// went wrong or stopped.
    pub fn outcome(&self) -> &'static str {
        let JobFailure::Engine(e) = self else {
            return "failed";
        };
        match **e {
            EngineError::Schema { .. }
            | EngineError::PlanBlocked(_)
            | EngineError::File(_)
            | EngineError::Precondition(_)
            | EngineError::AlreadyDone(_)
            | EngineError::NotOneMigration(_)
            | EngineError::InUse(_) => "refused",
            EngineError::RowsBlock(_)
            | EngineError::Busy(_)
            | EngineError::DiskFull(_)
            | EngineError::Cancelled(_)
            | EngineError::Drift(_)
            | EngineError::Verification(_)
            | EngineError::FreezeTimeout(_)
            | EngineError::Sqlite { .. }
            | EngineError::Io { .. } => "failed",
        }
    }
}

impl EventBody {
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            EventBody::Completed(_) | EventBody::Failed(_) | EventBody::Cancelled(_)
        )
    }
}

#[derive(Debug, Clone)]
pub struct JobEvent {
    /// Starts at 1 for each job and increases by one per event.
    pub seq: u64,
    pub unix_ms: i64,
    pub body: EventBody,
    /// For copy and verify progress: the recent rate and the time left.
    pub estimate: Option<Estimate>,
}

/// The progress sample in a copy or verify event: the copy's work is
/// rows, verify's bytes (its tables' rows differ in width).
fn sample(body: &EventBody) -> Option<(&'static str, Sample)> {
    match body {
        EventBody::Engine(Event::Copy {
            rows_done,
            rows_total,
            table_rows_done,
            table_rows_total,
            ..
        }) => Some((
            "copy",
            Sample {
                rows_done: *rows_done,
                work: Work {
                    done: *rows_done,
                    left: rows_total.saturating_sub(*rows_done),
                    table_left: table_rows_total.saturating_sub(*table_rows_done),
                },
            },
        )),
        EventBody::Engine(Event::Verify {
            rows_done, bytes, ..
        }) => Some((
            "verify",
            Sample {
                rows_done: *rows_done,
                work: Work {
                    done: bytes.done,
                    left: bytes.total.saturating_sub(bytes.done),
                    table_left: bytes.table_left,
                },
            },
        )),
        _ => None,
    }
}

/// A job's identity and state at one moment.
#[derive(Debug, Clone)]
pub struct JobSnapshot {
    pub id: String,
    pub database: String,
    pub kind: JobKind,
    pub state: JobState,
    pub started_unix_ms: i64,
    pub last_seq: u64,
    pub started_by: String,
}

struct EventLog {
    events: VecDeque<JobEvent>,
    last_seq: u64,
    state: JobState,
    window: RateWindow,
}

pub struct Job {
    pub id: String,
    pub database: String,
    pub kind: JobKind,
    pub started_by: String,
    pub started_unix_ms: i64,
    pub(super) control: Control,
    log: Mutex<EventLog>,
    /// The newest sequence number; followers wait on it.
    tick: watch::Sender<u64>,
}

pub(super) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Job {
    pub(super) fn new(
        id: String,
        database: String,
        kind: JobKind,
        started_by: String,
        throttle: std::sync::Arc<crate::engine::throttle::Throttle>,
    ) -> Self {
        Job {
            id,
            database,
            kind,
            started_by,
            started_unix_ms: now_ms(),
            control: Control::with_throttle(throttle),
            log: Mutex::new(EventLog {
                events: VecDeque::new(),
                last_seq: 0,
                state: JobState::Running,
                window: RateWindow::default(),
            }),
            tick: watch::channel(0).0,
        }
    }

    fn log(&self) -> MutexGuard<'_, EventLog> {
        // A panic while holding this lock cannot leave the log inconsistent
        // (every update is a single push), so a poisoned lock is still usable.
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends an event; a terminal one also ends the job in the matching state.
    pub(super) fn push(&self, body: EventBody) {
        let seq = {
            let mut log = self.log();
            if !log.state.is_live() {
                return;
            }
            match &body {
                EventBody::Completed(_) => log.state = JobState::Completed,
                EventBody::Failed(_) => log.state = JobState::Failed,
                EventBody::Cancelled(_) => log.state = JobState::Cancelled,
                _ => {}
            }
            log.last_seq += 1;
            let seq = log.last_seq;
            let estimate =
                sample(&body).map(|(kind, s)| log.window.add(kind, std::time::Instant::now(), s));
            log.events.push_back(JobEvent {
                seq,
                unix_ms: now_ms(),
                body,
                estimate,
            });
            while log.events.len() > EVENT_LOG_CAPACITY {
                log.events.pop_front();
            }
            seq
        };
        self.tick.send_replace(seq);
    }

    /// The newest progress estimate (rate, time left), if any.
    pub fn last_estimate(&self) -> Option<Estimate> {
        self.log().events.iter().rev().find_map(|e| e.estimate)
    }

    pub fn snapshot(&self) -> JobSnapshot {
        let log = self.log();
        JobSnapshot {
            id: self.id.clone(),
            database: self.database.clone(),
            kind: self.kind,
            state: log.state,
            started_unix_ms: self.started_unix_ms,
            last_seq: log.last_seq,
            started_by: self.started_by.clone(),
        }
    }

    pub fn state(&self) -> JobState {
        self.log().state
    }

    /// Pauses or resumes between chunks. Returns the state afterwards.
    pub(super) fn set_paused(&self, paused: bool) -> Option<JobState> {
        let mut log = self.log();
        if !log.state.is_live() {
            return None;
        }
        log.state = if paused {
            self.control.pause();
            JobState::Paused
        } else {
            self.control.resume();
            JobState::Running
        };
        Some(log.state)
    }

    /// Asks the job to stop at its next chunk boundary.
    pub(super) fn cancel(&self) {
        self.control.resume();
        self.control.cancel();
    }

    /// The events still held with `seq >= from`, how many older ones asked
    /// for were already dropped, and whether the job has ended.
    pub fn events_from(&self, from: u64) -> (Vec<JobEvent>, u64, bool) {
        let log = self.log();
        let first = log.events.front().map_or(log.last_seq + 1, |e| e.seq);
        let missed = first.saturating_sub(from.max(1));
        let events = log
            .events
            .iter()
            .skip_while(|e| e.seq < from)
            .cloned()
            .collect();
        (events, missed, !log.state.is_live())
    }

    /// The newest copy or verify progress event while the job is live.
    pub fn latest_progress(&self) -> Option<JobEvent> {
        let log = self.log();
        if !log.state.is_live() {
            return None;
        }
        // A step after the progress (building indexes) ends its estimate.
        log.events
            .iter()
            .rev()
            .find(|e| {
                !matches!(
                    e.body,
                    EventBody::Engine(Event::Notice { .. } | Event::RowsNotice(_))
                )
            })
            .filter(|e| e.estimate.is_some())
            .cloned()
    }

    /// Changes whenever an event is appended.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.tick.subscribe()
    }
}
