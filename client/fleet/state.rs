//! What a rollout knows of each target while it runs: its [`State`] and,
//! once it stops, its [`Outcome`]. The agents hold the durable truth; this
//! is only the client's view of the current run.

use std::time::Duration;

/// A target's state within one rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Not started: waiting for its wave, a dependency or a free slot.
    Queued,
    /// A step is running (migrate, catch-up, drain, cutover).
    Running,
    /// Caught up and recording; stopped there (`--postpone-cutover`, or
    /// `fleet migrate`) until the next step is asked for.
    Waiting,
    /// Drained: the old database refuses writes; cutover is next.
    Drained,
    /// The new database is ready.
    CutOver,
    /// Reverted within its window: the old database serves again.
    Reverted,
    /// A step failed; the old database keeps serving.
    Failed,
    /// Cancelled on the agent or interrupted.
    Cancelled,
    /// Never started: a dependency failed or the rollout stopped.
    Skipped,
    /// Not started in this run, by design: a dependency (or an earlier
    /// wave) is not cut over yet (`--postpone-cutover`), or the run's steps
    /// do not start it (`fleet cutover` on a target never migrated).
    Held,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Running => "running",
            State::Waiting => "waiting",
            State::Drained => "drained",
            State::CutOver => "cut over",
            State::Reverted => "reverted",
            State::Failed => "failed",
            State::Cancelled => "cancelled",
            State::Skipped => "skipped",
            State::Held => "held",
        }
    }

    /// A state the target stays in for the rest of the run.
    pub fn is_final(self) -> bool {
        !matches!(self, State::Queued | State::Running)
    }

    /// Reached what was asked without error (dependents may start).
    pub fn is_success(self) -> bool {
        matches!(
            self,
            State::Waiting | State::Drained | State::CutOver | State::Reverted
        )
    }
}

/// How a target ended in this run.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub state: State,
    /// What happened, in one line (the error for a failure).
    pub detail: String,
    /// Wall time from its start to its end (zero when it never started).
    pub elapsed: Duration,
    /// The exit code a failure means (`None` unless it failed): a
    /// difference verify found is data loss (4), not a refusal (1).
    pub exit: Option<crate::exit::Exit>,
    /// How long the service's writes were refused (the drain's freeze
    /// until cutover, or a revert's), when this run cut over or reverted.
    pub refused: Option<Duration>,
}

/// What a target's run ended with, as its driver reports it.
#[derive(Debug, Clone)]
pub struct Ended {
    pub state: State,
    pub detail: String,
    /// See [`Outcome::refused`].
    pub refused: Option<Duration>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reached_goals_let_dependents_start() {
        assert!(State::CutOver.is_success());
        assert!(State::Waiting.is_success());
        assert!(!State::Failed.is_success());
        assert!(!State::Skipped.is_success());
        assert!(!State::Held.is_success() && State::Held.is_final());
        assert!(!State::Queued.is_final());
        assert!(State::Cancelled.is_final());
    }
}
