//! Which step a target takes next: the steps a run may take ([`Steps`]),
//! and the pure decision from what its agent reports ([`next`]). No I/O:
//! `driver` acts on it.

use mig::proto::{Phase, StatusReport};

use super::state::State;

/// Which steps this run may take.
#[derive(Debug, Clone, Copy)]
pub struct Steps {
    pub migrate: bool,
    /// Wait until the pending replay is small (before a drain, or as the
    /// last step with `--postpone-cutover`).
    pub catch_up: bool,
    pub drain: bool,
    pub cutover: bool,
    /// Compare new with old (between migrate and cutover), once.
    pub verify: bool,
    /// Go back within the revert window (`fleet revert`), and what to do
    /// with rows the old schema refuses. Takes no other step.
    pub revert: Option<Conflicts>,
    /// With `revert`: what to do with values of columns only the new
    /// schema has.
    pub new_columns: NewColumns,
}

/// What a revert does with values of columns only the new schema has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewColumns {
    /// Refuse the revert, naming them.
    Refuse,
    /// Revert without them (they stay in the new database).
    Drop,
}

/// What a revert does with rows of the new database the old schema refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflicts {
    /// Refuse the revert, naming them.
    Refuse,
    /// Revert without them (each recorded in the new database).
    Discard,
}

impl Steps {
    /// No step: the base the others name theirs on.
    const NONE: Steps = Steps {
        migrate: false,
        catch_up: false,
        drain: false,
        cutover: false,
        verify: false,
        revert: None,
        new_columns: NewColumns::Refuse,
    };
    pub const ROLLOUT: Steps = Steps {
        migrate: true,
        catch_up: true,
        drain: true,
        cutover: true,
        ..Steps::NONE
    };
    pub const POSTPONED: Steps = Steps {
        drain: false,
        cutover: false,
        ..Steps::ROLLOUT
    };
    pub const MIGRATE: Steps = Steps {
        migrate: true,
        ..Steps::NONE
    };
    pub const DRAIN: Steps = Steps {
        catch_up: true,
        drain: true,
        ..Steps::NONE
    };
    pub const VERIFY: Steps = Steps {
        verify: true,
        ..Steps::NONE
    };
    pub const CUTOVER: Steps = Steps {
        cutover: true,
        ..Steps::DRAIN
    };

    /// `fleet revert`.
    pub const fn revert(conflicts: Conflicts) -> Steps {
        Steps {
            revert: Some(conflicts),
            ..Steps::NONE
        }
    }
}

/// What to do next, from what the agent reports.
#[derive(Debug, PartialEq)]
pub enum Next {
    /// A job already runs: follow it instead of starting another.
    Watch(String),
    Migrate,
    CatchUp,
    Drain,
    Cutover,
    Verify,
    Revert,
    /// Done for this run, in this state.
    Stop(State, &'static str),
    /// A step this run may not take is due first.
    Refuse(String),
}

impl Next {
    pub fn name(&self) -> &'static str {
        match self {
            Next::Watch(_) => "watch",
            Next::Migrate => "migrate",
            Next::CatchUp => "catch-up",
            Next::Drain => "drain",
            Next::Cutover => "cutover",
            Next::Verify => "verify",
            Next::Revert => "revert",
            Next::Stop(..) | Next::Refuse(_) => "",
        }
    }
}

/// What this run has done so far on its target.
#[derive(Debug, Default, Clone, Copy)]
pub struct Done {
    pub caught_up: bool,
    pub verified: bool,
}

/// The next step for a database in this state, given the steps allowed.
pub fn next(st: &StatusReport, steps: Steps, done: Done) -> Next {
    if let Some(job) = &st.running_job {
        return Next::Watch(job.job_id.clone());
    }
    let phase = Phase::try_from(st.phase).unwrap_or(Phase::Unspecified);
    if steps.revert.is_some() {
        return back(st, phase);
    }
    let between = matches!(phase, Phase::Recording | Phase::Draining | Phase::Drained);
    if steps.verify && !done.verified && between {
        return Next::Verify;
    }
    let caught_up = done.caught_up;
    match phase {
        Phase::NotStarted | Phase::Copying if steps.migrate => Next::Migrate,
        // Not this run's to start: `fleet cutover` after a postponed rollout
        // finds the held targets here.
        Phase::NotStarted => Next::Stop(
            State::Held,
            "not migrated yet; `mig fleet rollout` (or `mig fleet migrate`) starts it",
        ),
        Phase::Copying => Next::Stop(
            State::Held,
            "the copy has not finished; `mig fleet rollout` (or `mig fleet migrate`) resumes it",
        ),
        Phase::Recording if !steps.catch_up => Next::Stop(State::Waiting, "recording"),
        Phase::Recording if !caught_up => Next::CatchUp,
        Phase::Recording | Phase::Draining if steps.drain => Next::Drain,
        Phase::Recording => Next::Stop(State::Waiting, "caught up; cutover postponed"),
        Phase::Draining => Next::Stop(State::Waiting, "draining; run `mig fleet drain`"),
        Phase::Drained if steps.cutover => Next::Cutover,
        Phase::Drained => Next::Stop(State::Drained, "drained; cutover next"),
        Phase::CutOver | Phase::Complete | Phase::Standby | Phase::Retired => {
            Next::Stop(State::CutOver, "already cut over")
        }
        Phase::Reverting | Phase::Reverted => Next::Refuse(format!(
            "the migration was reverted (or a revert is unfinished): {}",
            st.next_step
        )),
        Phase::Broken => Next::Refuse(format!("the migration cannot go on: {}", st.next_step)),
        Phase::Unspecified => Next::Refuse("the agent reports an unknown phase".into()),
    }
}

/// The next step of `fleet revert`. Only targets whose revert window was
/// open are run; a database of a `[[database_set]]` names its new file by
/// the hash recorded in its old one, so once its revert dropped the
/// migration tables there it reads as not started: reverted.
fn back(st: &StatusReport, phase: Phase) -> Next {
    match phase {
        Phase::Standby | Phase::Reverting => Next::Revert,
        Phase::Reverted => Next::Stop(State::Reverted, "already reverted"),
        Phase::NotStarted => Next::Stop(
            State::Reverted,
            "reverted: the old database serves, no migration left on it",
        ),
        _ => Next::Refuse(format!("no revert window open: {}", st.next_step)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mig::proto::JobInfo;

    const CAUGHT_UP: Done = Done {
        caught_up: true,
        verified: false,
    };

    fn at(phase: Phase) -> StatusReport {
        StatusReport {
            phase: phase as i32,
            ..Default::default()
        }
    }

    #[test]
    fn a_rerun_skips_finished_steps_and_watches_running_jobs() {
        let all = Steps::ROLLOUT;
        assert_eq!(
            next(&at(Phase::NotStarted), all, Done::default()),
            Next::Migrate
        );
        assert_eq!(
            next(&at(Phase::Copying), all, Done::default()),
            Next::Migrate
        );
        assert_eq!(
            next(&at(Phase::Recording), all, Done::default()),
            Next::CatchUp
        );
        assert_eq!(next(&at(Phase::Recording), all, CAUGHT_UP), Next::Drain);
        assert_eq!(
            next(&at(Phase::Draining), all, Done::default()),
            Next::Drain
        );
        assert_eq!(
            next(&at(Phase::Drained), all, Done::default()),
            Next::Cutover
        );
        assert_eq!(
            next(&at(Phase::Complete), all, Done::default()),
            Next::Stop(State::CutOver, "already cut over")
        );
        let mut busy = at(Phase::Copying);
        busy.running_job = Some(JobInfo {
            job_id: "j1".into(),
            ..Default::default()
        });
        assert_eq!(next(&busy, all, Done::default()), Next::Watch("j1".into()));
    }

    #[test]
    fn step_wise_runs_stop_at_their_goal_or_refuse_early_phases() {
        assert_eq!(
            next(&at(Phase::Recording), Steps::POSTPONED, CAUGHT_UP),
            Next::Stop(State::Waiting, "caught up; cutover postponed")
        );
        assert_eq!(
            next(&at(Phase::Recording), Steps::MIGRATE, Done::default()),
            Next::Stop(State::Waiting, "recording")
        );
        assert_eq!(
            next(&at(Phase::Drained), Steps::DRAIN, Done::default()),
            Next::Stop(State::Drained, "drained; cutover next")
        );
        assert!(matches!(
            next(&at(Phase::NotStarted), Steps::CUTOVER, Done::default()),
            Next::Stop(State::Held, d) if d.starts_with("not migrated yet")
        ));
    }

    #[test]
    fn revert_runs_within_an_open_window_and_stops_once_reverted() {
        let back = Steps::revert(Conflicts::Refuse);
        assert_eq!(
            next(&at(Phase::Standby), back, Done::default()),
            Next::Revert
        );
        assert_eq!(
            next(&at(Phase::Reverting), back, Done::default()),
            Next::Revert
        );
        assert_eq!(
            next(&at(Phase::Reverted), back, Done::default()),
            Next::Stop(State::Reverted, "already reverted")
        );
        // A folder tenant's status once its revert cleaned the old file.
        assert!(matches!(
            next(&at(Phase::NotStarted), back, Done::default()),
            Next::Stop(State::Reverted, _)
        ));
        assert!(matches!(
            next(&at(Phase::Complete), back, Done::default()),
            Next::Refuse(r) if r.starts_with("no revert window open")
        ));
    }

    #[test]
    fn verify_runs_once_between_migrate_and_cutover() {
        let v = Steps::VERIFY;
        assert_eq!(
            next(&at(Phase::Recording), v, Done::default()),
            Next::Verify
        );
        assert_eq!(next(&at(Phase::Drained), v, Done::default()), Next::Verify);
        let verified = Done {
            verified: true,
            ..Done::default()
        };
        assert_eq!(
            next(&at(Phase::Recording), v, verified),
            Next::Stop(State::Waiting, "recording")
        );
        assert_eq!(
            next(&at(Phase::CutOver), v, Done::default()),
            Next::Stop(State::CutOver, "already cut over")
        );
    }
}
