//! Drives one target through the steps it was asked for — migrate, wait
//! for catch-up, drain, cutover, verify, or revert — starting from the phase its agent reports
//! (finished steps are skipped; a job already running is watched, never
//! started twice). Progress goes to the dashboard; a failure comes back as
//! the error, and the old database keeps serving.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use mig::proto::job_completed::Summary;
use mig::proto::job_event::Event;
use mig::proto::migrator_client::MigratorClient;
use mig::proto::{
    CutoverRequest, DrainRequest, JobEvent, MigrateRequest, Phase, RevertRequest, RevertSummary,
    SchemaSource, StatusReport, StatusRequest, VerifyRequest, WatchRequest,
};
use tonic::transport::Channel;
use tonic::Streaming;

use super::dashboard::Dashboard;
use super::file::FleetTarget;
use super::state::{Ended, State};
use super::steps::{next, Conflicts, Done, NewColumns, Next, Steps};
use crate::exit::{classify, code_from_name, error, failed, for_code, Exit};

/// How often a target waiting for catch-up asks its agent again.
const CATCH_UP_POLL: Duration = Duration::from_millis(200);
/// How long a target keeps asking an agent that stopped answering mid-run.
const AGENT_GRACE: Duration = Duration::from_secs(30);
/// How often it asks meanwhile.
const AGENT_POLL: Duration = Duration::from_millis(500);
/// Steps a target may take in one run; more means the agent keeps
/// reporting a phase the steps do not move, which is a bug to report.
const MAX_STEPS: usize = 12;
/// How many times a target asks again while another client's cutover of
/// its database runs (a hook may hold one for minutes): 10 minutes.
const BUSY_POLLS: u32 = 3_000;

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
    /// Runs the steps; returns the state reached and what was done. An
    /// agent that stops answering mid-run (restarted by its supervisor or a
    /// deploy) is asked again for [`AGENT_GRACE`]: its jobs are resumed or
    /// finished by the agent itself, and the next status read says where
    /// the target went, as a re-run of the rollout would.
    pub async fn run(self) -> anyhow::Result<Ended> {
        let deadline = tokio::time::Instant::now() + AGENT_GRACE;
        loop {
            match self.run_once().await {
                Err(e) if classify(&e) == Exit::Unavailable => {
                    if tokio::time::Instant::now() >= deadline {
                        return Err(e.context(format!(
                            "the agent at {} did not answer for {} s; once it runs, `mig fleet rollout` continues from where it is",
                            self.target.url,
                            AGENT_GRACE.as_secs()
                        )));
                    }
                    self.dash
                        .step(self.index, "agent unreachable, asking again");
                    tokio::time::sleep(AGENT_POLL).await;
                }
                other => return other,
            }
        }
    }

    async fn run_once(&self) -> anyhow::Result<Ended> {
        let mut client = super::agents::connect(&self.target).await?;
        let database = self.target.database.clone();
        let mut did = Vec::new();
        let mut progress = Done::default();
        let mut verified = String::new();
        let mut refused = String::new();
        let mut refused_for = None;
        let (mut taken, mut busy_polls) = (0, 0);
        while taken < MAX_STEPS {
            let st = status(&mut client, &database).await?;
            let step = next(&st, self.steps, progress);
            if let Next::Stop(state, detail) = step {
                let detail = match (state, did.is_empty(), verified.is_empty()) {
                    (_, _, false) => verified.as_str(),
                    (State::CutOver, false, _) => "",
                    _ => detail,
                };
                let (state, detail) = done(state, detail, &did);
                return Ok(Ended {
                    state,
                    detail: detail + &refused,
                    refused: refused_for,
                });
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
                        .drain(drain_request(&database, self.steps))
                        .await
                        .context("starting drain")?,
                ),
                Next::CatchUp => {
                    self.catch_up(&mut client, &database).await?;
                    progress.caught_up = true;
                    None
                }
                Next::Verify => Some(
                    client
                        .verify(VerifyRequest {
                            database: database.clone(),
                            ..Default::default()
                        })
                        .await
                        .context("starting verify")?,
                ),
                Next::Cutover => {
                    // Drain certified the copy; cutover refuses otherwise.
                    let request = CutoverRequest {
                        database: database.clone(),
                        skip_verify: false,
                        // The agent's `revert_window` for the database.
                        revert_window_secs: None,
                    };
                    match client.cutover(request).await {
                        Ok(_) => {}
                        // Another client's cutover (a killed run's) still
                        // runs on the agent: wait, then read where it went.
                        Err(s) if s.code() == tonic::Code::Aborted && busy_polls < BUSY_POLLS => {
                            busy_polls += 1;
                            tokio::time::sleep(CATCH_UP_POLL).await;
                            continue;
                        }
                        // That cutover ended between this run's status read
                        // and its call: read where the target is now.
                        Err(s)
                            if s.code() == tonic::Code::AlreadyExists
                                && busy_polls < BUSY_POLLS =>
                        {
                            busy_polls += 1;
                            tokio::time::sleep(CATCH_UP_POLL).await;
                            continue;
                        }
                        Err(s) => return Err(anyhow::Error::new(s).context("cutover")),
                    }
                    None
                }
                Next::Revert => Some(
                    client
                        .revert(self.revert_request())
                        .await
                        .context("starting revert")?,
                ),
                Next::Stop(..) | Next::Refuse(_) => None,
            };
            let mut cut_over = false;
            if let Some(stream) = stream {
                match self.follow(stream.into_inner()).await? {
                    Some(Summary::Verify(v)) => {
                        progress.verified = true;
                        verified = format!(
                            "verified {} rows in {} tables, {} differences{}",
                            v.rows,
                            v.tables.len(),
                            v.differences,
                            if v.certified { " (certified)" } else { "" }
                        );
                    }
                    Some(Summary::Revert(r)) => {
                        refused_for = Some(millis(r.refused_ms));
                        verified = reverted(&r);
                    }
                    Some(Summary::Drain(d)) if d.cutover.is_some() => {
                        refused = format!("; writes refused for {:.1} ms", d.refused_ms);
                        refused_for = Some(millis(d.refused_ms));
                        cut_over = true;
                    }
                    _ => {}
                }
            }
            if name != "catch-up" {
                did.push(name);
            }
            if cut_over {
                did.push("cutover");
            }
            taken += 1;
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
            ignore_tables: self.target.ignore_tables.clone(),
            // The plan blocks a target already at the schema unless its
            // entry allows it (`fleet::plan`); the agent checks again.
            allow_same_schema: self.target.allow_same_schema,
        }
    }

    fn revert_request(&self) -> RevertRequest {
        RevertRequest {
            database: self.target.database.clone(),
            detach: false,
            discard_conflicts: self.steps.revert == Some(Conflicts::Discard),
            drop_new_columns: self.steps.new_columns == NewColumns::Drop,
            freeze_limit_ms: 0,
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

    /// Follows a job stream to its terminal event; the job's summary.
    async fn follow(&self, mut stream: Streaming<JobEvent>) -> anyhow::Result<Option<Summary>> {
        while let Some(ev) = stream.message().await.map_err(broken)? {
            match ev.event {
                Some(Event::Phase(p)) => self.dash.step(self.index, &p.step),
                Some(Event::Copy(c)) => self.dash.copy(self.index, &c),
                Some(Event::Verify(v)) => self.dash.verify(self.index, &v),
                Some(Event::Replay(r)) => self.dash.replay(self.index, r.pending, r.lag_seconds),
                Some(Event::Completed(c)) => return Ok(c.summary),
                Some(Event::Failed(f)) => {
                    return match for_code(code_from_name(&f.code)) {
                        // The step was already done: nothing changed, go on.
                        Exit::AlreadyDone => Ok(None),
                        exit => Err(error(exit, f.message)),
                    };
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

/// Agent defaults for the freeze limit, retries and revert window. A run
/// that cuts over does it in the drain's job (`drain --cutover`): writes
/// are refused from the freeze until the new database is ready, with no
/// status read and second call in between (a separate cutover kept them
/// refused 0.1-0.5 s per tenant in a 300-tenant rollout).
fn drain_request(database: &str, steps: Steps) -> DrainRequest {
    DrainRequest {
        database: database.to_string(),
        cutover: steps.cutover,
        ..Default::default()
    }
}

/// A figure in milliseconds from the wire, as a duration (zero when it is
/// not a finite, non-negative number).
fn millis(ms: f64) -> Duration {
    Duration::try_from_secs_f64(ms / 1000.0).unwrap_or_default()
}

/// What a finished revert did, in one line.
fn reverted(s: &RevertSummary) -> String {
    let mut text = format!(
        "{} write(s) carried back, {} rows in {} tables verified, writes refused for {:.1} ms",
        s.entries_replayed, s.verified_rows, s.verified_tables, s.refused_ms
    );
    if !s.discarded.is_empty() {
        text.push_str(&format!(
            "; {} row(s) the old schema refuses discarded (kept in the new database's _mig_revert_discarded)",
            s.discarded.len()
        ));
    }
    if !s.left_behind.is_empty() {
        text.push_str(&format!(
            "; left behind (no place in the old schema): {}",
            s.left_behind.join(", ")
        ));
    }
    text
}

/// A job stream's error: one with no code of the agent's (`Unknown`: the
/// connection broke, e.g. the agent restarted) means the agent is
/// unavailable, which the run rides over; any other is the agent's answer.
fn broken(s: tonic::Status) -> anyhow::Error {
    match s.code() {
        tonic::Code::Unknown => error(
            Exit::Unavailable,
            format!("the connection to the agent broke: {}", s.message()),
        ),
        _ => anyhow::Error::new(s),
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
