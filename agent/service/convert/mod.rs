//! The conversion layer: the one place that translates between the domain
//! and the wire, both ways. Inbound, `requests.rs` reads each request into
//! the engine's options (an invalid field is `InvalidArgument` naming it);
//! outbound, `reports.rs` (one-shot replies), `plan.rs` (`Plan`'s report),
//! `events.rs` (job streams) and `revert.rs` (the revert window) build
//! every `mig.v1` message the service sends.

mod events;
mod plan;
mod reports;
mod requests;
mod revert;

use std::path::Path;

use crate::engine::state::Phase;
use crate::jobs::{JobKind, JobSnapshot, JobState};
use crate::proto as pb;

pub use events::{job_event, missed_notice, status_progress};
pub use plan::{plan_report, rehearsal};
pub use reports::{
    cleanup_report, cutover_report, database_page, database_summary, reset_report, status_report,
    throttle_state,
};
pub use requests::*;
pub use revert::finalize_report;

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

impl From<Phase> for pb::Phase {
    fn from(p: Phase) -> Self {
        match p {
            Phase::NotStarted => pb::Phase::NotStarted,
            Phase::Copying => pb::Phase::Copying,
            Phase::Recording => pb::Phase::Recording,
            Phase::Draining => pb::Phase::Draining,
            Phase::Drained => pb::Phase::Drained,
            Phase::CutOver => pb::Phase::CutOver,
            Phase::Complete => pb::Phase::Complete,
            Phase::Broken => pb::Phase::Broken,
            Phase::Standby => pb::Phase::Standby,
            Phase::Reverting => pb::Phase::Reverting,
            Phase::Reverted => pb::Phase::Reverted,
            Phase::Retired => pb::Phase::Retired,
        }
    }
}

impl From<JobKind> for pb::JobKind {
    fn from(k: JobKind) -> Self {
        match k {
            JobKind::Migrate => pb::JobKind::Migrate,
            JobKind::Drain => pb::JobKind::Drain,
            JobKind::Verify => pb::JobKind::Verify,
            JobKind::Revert => pb::JobKind::Revert,
        }
    }
}

impl From<JobState> for pb::JobState {
    fn from(s: JobState) -> Self {
        match s {
            JobState::Running => pb::JobState::Running,
            JobState::Paused => pb::JobState::Paused,
            JobState::Completed => pb::JobState::Completed,
            JobState::Failed => pb::JobState::Failed,
            JobState::Cancelled => pb::JobState::Cancelled,
        }
    }
}

impl From<JobSnapshot> for pb::JobInfo {
    fn from(j: JobSnapshot) -> Self {
        pb::JobInfo {
            job_id: j.id,
            database: j.database,
            kind: pb::JobKind::from(j.kind).into(),
            state: pb::JobState::from(j.state).into(),
            started_unix_ms: j.started_unix_ms,
            last_seq: j.last_seq,
            started_by: j.started_by,
        }
    }
}
