//! Long operations as jobs owned by the agent, not by a connection.
//!
//! A job runs one engine operation (migrate, drain or verify) on its own thread and
//! keeps the events it emits, numbered, in a bounded log: any number of
//! followers read from a sequence number and then live, and a slow or gone
//! follower never slows the job. The [`Registry`] allows at most one job or
//! step per database at a time. No proto types here: the service converts.

mod background;
mod control;
mod error;
mod hold;
pub mod hooks;
mod job;
mod observe;
pub use observe::{around_cutover, before_cutover, Gated};
pub mod rate;
mod registry;
mod served;
mod sets;
mod supervise;

pub use background::{recover, PhaseReport, AGENT_CALLER};
pub use error::JobError;
pub use job::{EventBody, Job, JobEvent, JobFailure, JobSnapshot, Summary, EVENT_LOG_CAPACITY};
pub use registry::{Hold, Registry, StepGuard, Switched};
pub use served::Reconfigured;
pub use sets::{discover, Configured};
pub use supervise::supervise;

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    Migrate,
    Drain,
    Verify,
    Revert,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Migrate => "migrate",
            JobKind::Drain => "drain",
            JobKind::Verify => "verify",
            JobKind::Revert => "revert",
        }
    }
}

/// Where a job is in its life. Only `Running` and `Paused` are live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Running,
    Paused,
    Completed,
    Failed,
    Cancelled,
}

impl JobState {
    pub fn is_live(self) -> bool {
        matches!(self, JobState::Running | JobState::Paused)
    }
}
