//! Finding a database's jobs and steering them: the running job, a job by
//! id (or the newest) for `watch`, and pause, resume and cancel, which act
//! between chunks.

use std::sync::Arc;

use super::job::{Job, JobSnapshot};
use super::registry::Registry;
use super::{JobError, JobState};

impl Registry {
    /// The running job of a database, if any.
    pub fn running(&self, database: &str) -> Option<Arc<Job>> {
        self.slots()
            .get(database)
            .and_then(|s| s.running.clone())
            .filter(|j| j.state().is_live())
    }

    /// A job by id, or the database's newest one when `job_id` is empty.
    pub fn find(&self, database: &str, job_id: &str) -> Result<Arc<Job>, JobError> {
        self.database(database)?;
        let slots = self.slots();
        let slot = slots.get(database);
        let mut all = slot
            .into_iter()
            .flat_map(|s| s.running.iter().chain(s.recent.iter()));
        let found = if job_id.is_empty() {
            all.next()
        } else {
            all.find(|j| j.id == job_id)
        };
        found.cloned().ok_or_else(|| {
            JobError::UnknownJob(if job_id.is_empty() {
                format!("database {database:?} has no jobs on this agent since it started")
            } else {
                format!("no job {job_id} for database {database:?} (finished jobs are kept only until the agent restarts)")
            })
        })
    }

    /// Pauses a live job between chunks.
    pub fn pause(&self, database: &str, job_id: &str) -> Result<JobSnapshot, JobError> {
        self.set_paused(database, job_id, Paused::Yes)
    }

    /// Resumes a paused job.
    pub fn resume(&self, database: &str, job_id: &str) -> Result<JobSnapshot, JobError> {
        self.set_paused(database, job_id, Paused::No)
    }

    fn set_paused(
        &self,
        database: &str,
        job_id: &str,
        paused: Paused,
    ) -> Result<JobSnapshot, JobError> {
        let job = self.find(database, job_id)?;
        match job.set_paused(paused == Paused::Yes) {
            Some(_) => Ok(job.snapshot()),
            None => Err(JobError::Finished {
                job_id: job.id.clone(),
                state: state_word(job.state()),
                action: match paused {
                    Paused::Yes => "pause",
                    Paused::No => "resume",
                },
            }),
        }
    }

    pub fn cancel(&self, database: &str, job_id: &str) -> Result<JobSnapshot, JobError> {
        let job = self.find(database, job_id)?;
        if !job.state().is_live() {
            return Err(JobError::Finished {
                job_id: job.id.clone(),
                state: state_word(job.state()),
                action: "cancel",
            });
        }
        job.cancel();
        Ok(job.snapshot())
    }
}

fn state_word(state: JobState) -> &'static str {
    match state {
        JobState::Running => "running",
        JobState::Paused => "paused",
        JobState::Completed => "completed",
        JobState::Failed => "failed",
        JobState::Cancelled => "been cancelled",
    }
}

/// Whether a job is to be paused or resumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Paused {
    Yes,
    No,
}
