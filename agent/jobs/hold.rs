//! What holds a database in the registry — a job, a one-shot step, a
//! background slice — and the refusal that names it.

use super::registry::Slot;
use super::{JobError, JobKind};

/// What holds a database in the registry while no job runs on it yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// The agent's background slice (catch-up or reverse replay): one
    /// short slice at a time, so jobs and steps wait for it to finish.
    CatchUp,
    /// A job being started (the claim becomes the running job).
    Job(JobKind),
    Cutover,
    CleanupOld,
    Reset,
    Finalize,
}

impl Hold {
    pub fn as_str(self) -> &'static str {
        match self {
            Hold::CatchUp => "catch-up",
            Hold::Job(kind) => kind.as_str(),
            Hold::Cutover => "cutover",
            Hold::CleanupOld => "cleanup-old",
            Hold::Reset => "reset",
            Hold::Finalize => "finalize",
        }
    }

    /// How a refusal names it.
    pub(super) fn described(self) -> String {
        match self {
            Hold::CatchUp => "a background catch-up slice".to_string(),
            other => format!("a running {}", other.as_str()),
        }
    }
}

/// What keeps a database from being claimed.
pub(super) enum Holder {
    Job(String),
    Hold(Hold),
}

/// What holds the database of `slot`, if anything.
pub(super) fn holder(slot: &Slot) -> Option<Holder> {
    if let Some(job) = slot.running.as_ref().filter(|j| j.state().is_live()) {
        Some(Holder::Job(format!("{} job {}", job.kind.as_str(), job.id)))
    } else {
        slot.step.map(Holder::Hold)
    }
}

/// The refusal while `holder` holds `database`.
pub(super) fn conflict(database: &str, holder: Holder) -> JobError {
    JobError::Conflict {
        database: database.to_string(),
        what: match holder {
            Holder::Job(what) => what,
            Holder::Hold(claim) => claim.described(),
        },
    }
}
