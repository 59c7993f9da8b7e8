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
            let phase = Phase::try_from(st.phase).unwrap_or(Phase::Unspecified);
            if let Some(job) = st.running_job.as_ref() {
                self.dash.state(
                    self.index,
                    State::Running,
                    &format!("watching running {} job", names::job_kind(job.kind)),
                );
                let watch = WatchRequest {
                    database: database.clone(),
                    job_id: job.job_id.clone(),
                    from_seq: 0,
                };
                let stream = client
                    .watch(watch)
                    .await
                    .context("re-attaching to the running job")?
                    .into_inner();
                self.follow(stream).await?;
                did.push("watch");
                continue;
            }
            match phase {
                Phase::NotStarted | Phase::Copying if self.steps.migrate => {
                    self.dash.state(self.index, State::Running, "migrate");
                    let stream = client
                        .migrate(self.migrate_request())
                        .await
                        .context("starting migrate")?
                        .into_inner();
                    self.follow(stream).await?;
                    did.push("migrate");
                }
                Phase::NotStarted | Phase::Copying => {
                    return Err(failed(format!(
                        "phase {}: run `mig fleet migrate` first",
                        names::phase(st.phase)
                    )));
                }
                Phase::Recording if !self.steps.catch_up => {
                    return Ok(done(State::Waiting, "recording", &did))
                }
                Phase::Recording if !caught_up => {
                    self.dash.state(self.index, State::Running, "catch-up");
                    self.catch_up(&mut client, &database).await?;
                    caught_up = true;
                }
                Phase::Recording | Phase::Draining if self.steps.drain => {
                    self.dash.state(self.index, State::Running, "drain");
                    let stream = client
                        .drain(drain_request(&database))
                        .await
                        .context("starting drain")?
                        .into_inner();
                    self.follow(stream).await?;
                    did.push("drain");
                }
                Phase::Recording => {
                    return Ok(done(State::Waiting, "caught up; cutover postponed", &did))
                }
                Phase::Draining => return Ok(done(State::Waiting, "draining", &did)),
                Phase::Drained if self.steps.cutover => {
                    self.dash.state(self.index, State::Running, "cutover");
                    let request = CutoverRequest {
                        database: database.clone(),
                    };
                    client.cutover(request).await.context("cutover")?;
                    did.push("cutover");
                }
                Phase::Drained => return Ok(done(State::Drained, "drained; cutover next", &did)),
                Phase::CutOver | Phase::Complete => {
                    let detail = if did.is_empty() {
                        "already cut over"
                    } else {
                        ""
                    };
                    return Ok(done(State::CutOver, detail, &did));
                }
                Phase::Unspecified => return Err(failed("the agent reports an unknown phase")),
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
