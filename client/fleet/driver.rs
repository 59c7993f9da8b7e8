//! Drives one target through the steps it was asked for — migrate, wait
//! for catch-up, drain, cutover — starting from the phase its agent reports
//! (finished steps are skipped; a job already running is watched, never
//! started twice). Progress goes to the dashboard; a failure comes back as
//! the error, and the old database keeps serving.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use mig::proto::job_event::Event;
use mig::proto::migrator_client::MigratorClient;
use mig::proto::{
    CutoverRequest, DrainRequest, JobEvent, MigrateRequest, Phase, SchemaSource, StatusReport,
    StatusRequest, WatchRequest,
};
use tonic::transport::Channel;
use tonic::Streaming;

use super::dashboard::Dashboard;
use super::file::FleetTarget;
use super::state::State;
use crate::exit::{code_from_name, error, failed, for_code, Exit};
use crate::render::names;

/// How often a target waiting for catch-up asks its agent again.
const CATCH_UP_POLL: Duration = Duration::from_millis(200);
/// Steps a target may take in one run; more means the agent keeps
/// reporting a phase the steps do not move, which is a bug to report.
const MAX_STEPS: usize = 12;

/// Which steps this run may take.
#[derive(Debug, Clone, Copy)]
pub struct Steps {
    pub migrate: bool,
    /// Wait until the pending replay is small (before a drain, or as the
    /// last step with `--postpone-cutover`).
    pub catch_up: bool,
    pub drain: bool,
    pub cutover: bool,
}

impl Steps {
    pub const ROLLOUT: Steps = Steps {
        migrate: true,
        catch_up: true,
        drain: true,
        cutover: true,
    };
    pub const POSTPONED: Steps = Steps {
        drain: false,
        cutover: false,
        ..Steps::ROLLOUT
    };
    pub const MIGRATE: Steps = Steps {
        migrate: true,
        catch_up: false,
        drain: false,
        cutover: false,
    };
    pub const DRAIN: Steps = Steps {
        migrate: false,
        catch_up: true,
        drain: true,
        cutover: false,
    };
    pub const CUTOVER: Steps = Steps {
        cutover: true,
        ..Steps::DRAIN
    };
}

/// What to do next, from what the agent reports.
#[derive(Debug, PartialEq)]
enum Next {
    /// A job already runs: follow it instead of starting another.
    Watch(String),
    Migrate,
    CatchUp,
    Drain,
    Cutover,
    /// Done for this run, in this state.
    Stop(State, &'static str),
    /// A step this run may not take is due first.
    Refuse(String),
}

impl Next {
    fn name(&self) -> &'static str {
        match self {
            Next::Watch(_) => "watch",
            Next::Migrate => "migrate",
            Next::CatchUp => "catch-up",
            Next::Drain => "drain",
            Next::Cutover => "cutover",
            Next::Stop(..) | Next::Refuse(_) => "",
        }
    }
}

/// The next step for a database in this state, given the steps allowed.
fn next(st: &StatusReport, steps: Steps, caught_up: bool) -> Next {
    if let Some(job) = &st.running_job {
        return Next::Watch(job.job_id.clone());
    }
    match Phase::try_from(st.phase).unwrap_or(Phase::Unspecified) {
        Phase::NotStarted | Phase::Copying if steps.migrate => Next::Migrate,
        Phase::NotStarted | Phase::Copying => Next::Refuse(format!(
            "phase {}: run `mig fleet migrate` first",
            names::phase(st.phase)
        )),
        Phase::Recording if !steps.catch_up => Next::Stop(State::Waiting, "recording"),
        Phase::Recording if !caught_up => Next::CatchUp,
        Phase::Recording | Phase::Draining if steps.drain => Next::Drain,
        Phase::Recording => Next::Stop(State::Waiting, "caught up; cutover postponed"),
        Phase::Draining => Next::Stop(State::Waiting, "draining; run `mig fleet drain`"),
        Phase::Drained if steps.cutover => Next::Cutover,
        Phase::Drained => Next::Stop(State::Drained, "drained; cutover next"),
        Phase::CutOver | Phase::Complete => Next::Stop(State::CutOver, "already cut over"),
        Phase::Unspecified => Next::Refuse("the agent reports an unknown phase".into()),
    }
}

/// Everything one target's run needs.
pub struct Driver {
    pub index: usize,
    pub target: FleetTarget,
    pub schema: Option<SchemaSource>,
    pub label: String,
    pub steps: Steps,
    pub catch_up_entries: u64,
    pub dash: Arc<Dashboard>,
}

impl Driver {
    /// Runs the steps; returns the state reached and what was done.
    pub async fn run(self) -> anyhow::Result<(State, String)> {
        let mut client = super::agents::connect(&self.target).await?;
        let database = self.target.database.clone();
        let mut did = Vec::new();
        let mut caught_up = false;
        for _ in 0..MAX_STEPS {
            let st = status(&mut client, &database).await?;
            let step = next(&st, self.steps, caught_up);
            if let Next::Stop(state, detail) = step {
                let detail = if state == State::CutOver && !did.is_empty() {
                    ""
                } else {
                    detail
                };
                return Ok(done(state, detail, &did));
            }
            if let Next::Refuse(why) = step {
                return Err(failed(why));
            }
            let name = step.name();
            self.dash.state(self.index, State::Running, name);
            let stream = match step {
                Next::Watch(job_id) => {
                    let watch = WatchRequest {
                        database: database.clone(),
                        job_id,
                        from_seq: 0,
                    };
                    Some(
                        client
                            .watch(watch)
                            .await
                            .context("re-attaching to the running job")?,
                    )
                }
                Next::Migrate => Some(
                    client
                        .migrate(self.migrate_request())
                        .await
                        .context("starting migrate")?,
                ),
                Next::Drain => Some(
                    client
                        .drain(drain_request(&database))
                        .await
                        .context("starting drain")?,
                ),
                Next::CatchUp => {
                    self.catch_up(&mut client, &database).await?;
                    caught_up = true;
                    None
                }
                Next::Cutover => {
                    // Drain certified the copy; cutover refuses otherwise.
                    let request = CutoverRequest {
                        database: database.clone(),
                        skip_verify: false,
                    };
                    client.cutover(request).await.context("cutover")?;
                    None
                }
                Next::Stop(..) | Next::Refuse(_) => None,
            };
            if let Some(stream) = stream {
                self.follow(stream.into_inner()).await?;
            }
            if name != "catch-up" {
                did.push(name);
            }
        }
        Err(failed(
            "no progress after several steps; check `mig fleet status`",
        ))
    }

    fn migrate_request(&self) -> MigrateRequest {
        MigrateRequest {
            database: self.target.database.clone(),
            schema: self.schema.clone(),
            accept_data_loss: self.target.accept_data_loss,
            detach: false,
            label: self.label.clone(),
            max_rows_per_sec: 0.0,
        }
    }

    /// Polls the agent until the pending replay is small enough to drain
    /// (the agent replays in the background while recording).
    async fn catch_up(
        &self,
        client: &mut MigratorClient<Channel>,
        database: &str,
    ) -> anyhow::Result<()> {
        loop {
            let st = status(client, database).await?;
            let pending = st.pending_replay.unwrap_or(u64::MAX);
            self.dash.replay(self.index, pending, st.replay_lag_seconds);
            if pending <= self.catch_up_entries || st.phase != Phase::Recording as i32 {
                return Ok(());
            }
            tokio::time::sleep(CATCH_UP_POLL).await;
        }
    }

    /// Follows a job stream to its terminal event.
    async fn follow(&self, mut stream: Streaming<JobEvent>) -> anyhow::Result<()> {
        while let Some(ev) = stream.message().await? {
            match ev.event {
                Some(Event::Phase(p)) => self.dash.step(self.index, &p.step),
                Some(Event::Copy(c)) => self.dash.copy(self.index, &c),
                Some(Event::Verify(v)) => self.dash.verify(self.index, &v),
                Some(Event::Replay(r)) => self.dash.replay(self.index, r.pending, r.lag_seconds),
                Some(Event::Completed(_)) => return Ok(()),
                Some(Event::Failed(f)) => {
                    return Err(error(for_code(code_from_name(&f.code)), f.message))
                }
                Some(Event::Cancelled(c)) => {
                    return Err(error(Exit::Cancelled, format!("cancelled: {}", c.message)))
                }
                Some(Event::Started(_) | Event::Notice(_)) | None => {}
            }
        }
        Err(error(
            Exit::Unavailable,
            "the agent ended the job stream before the job finished",
        ))
    }
}

async fn status(
    client: &mut MigratorClient<Channel>,
    database: &str,
) -> anyhow::Result<StatusReport> {
    let request = StatusRequest {
        database: database.to_string(),
    };
    Ok(client
        .status(request)
        .await
        .context("reading status")?
        .into_inner())
}

/// Agent defaults for the freeze limit and retries.
fn drain_request(database: &str) -> DrainRequest {
    DrainRequest {
        database: database.to_string(),
        ..Default::default()
    }
}

/// The state reached, and a detail naming what this run did.
fn done(state: State, detail: &str, did: &[&str]) -> (State, String) {
    let run = format!("this run: {}", did.join(", "));
    match (did.is_empty(), detail.is_empty()) {
        (true, _) => (state, detail.to_string()),
        (false, true) => (state, run),
        (false, false) => (state, format!("{detail}; {run}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mig::proto::JobInfo;

    fn at(phase: Phase) -> StatusReport {
        StatusReport {
            phase: phase as i32,
            ..Default::default()
        }
    }

    #[test]
    fn a_rerun_skips_finished_steps_and_watches_running_jobs() {
        let all = Steps::ROLLOUT;
        assert_eq!(next(&at(Phase::NotStarted), all, false), Next::Migrate);
        assert_eq!(next(&at(Phase::Copying), all, false), Next::Migrate);
        assert_eq!(next(&at(Phase::Recording), all, false), Next::CatchUp);
        assert_eq!(next(&at(Phase::Recording), all, true), Next::Drain);
        assert_eq!(next(&at(Phase::Draining), all, false), Next::Drain);
        assert_eq!(next(&at(Phase::Drained), all, false), Next::Cutover);
        assert_eq!(
            next(&at(Phase::Complete), all, false),
            Next::Stop(State::CutOver, "already cut over")
        );
        let mut busy = at(Phase::Copying);
        busy.running_job = Some(JobInfo {
            job_id: "j1".into(),
            ..Default::default()
        });
        assert_eq!(next(&busy, all, false), Next::Watch("j1".into()));
    }

    #[test]
    fn step_wise_runs_stop_at_their_goal_or_refuse_early_phases() {
        assert_eq!(
            next(&at(Phase::Recording), Steps::POSTPONED, true),
            Next::Stop(State::Waiting, "caught up; cutover postponed")
        );
        assert_eq!(
            next(&at(Phase::Recording), Steps::MIGRATE, false),
            Next::Stop(State::Waiting, "recording")
        );
        assert_eq!(
            next(&at(Phase::Drained), Steps::DRAIN, false),
            Next::Stop(State::Drained, "drained; cutover next")
        );
        assert_eq!(
            next(&at(Phase::NotStarted), Steps::CUTOVER, false),
            Next::Refuse("phase not started: run `mig fleet migrate` first".into())
        );
    }
}
