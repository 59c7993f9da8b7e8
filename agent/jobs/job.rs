//! One job: its identity, its pause/cancel control, and the numbered log
//! of the events it emitted, which followers read from any sequence number.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;

use super::{JobKind, JobState};
use crate::engine::ops::{DrainSummary, MigrateSummary, VerifySummary};
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
}

#[derive(Debug, Clone)]
pub enum EventBody {
    Started,
    Engine(Event),
    Completed(Summary),
    Failed(Arc<EngineError>),
    Cancelled(String),
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
            log.events.push_back(JobEvent {
                seq,
                unix_ms: now_ms(),
                body,
            });
            while log.events.len() > EVENT_LOG_CAPACITY {
                log.events.pop_front();
            }
            seq
        };
        self.tick.send_replace(seq);
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
        self.control.pause(paused);
        log.state = if paused {
            JobState::Paused
        } else {
            JobState::Running
        };
        Some(log.state)
    }

    /// Asks the job to stop at its next chunk boundary.
    pub(super) fn cancel(&self) {
        self.control.pause(false);
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

    /// Changes whenever an event is appended.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.tick.subscribe()
    }
}
