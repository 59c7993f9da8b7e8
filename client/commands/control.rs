//! `mig pause`, `mig resume`, `mig cancel`: job control on a remote agent.
//! Without `--job`, the database's newest job. `mig throttle`,
//! `mig unthrottle`: the database's manual rate cap.

use mig::proto::{JobRef, JobState, ThrottleRequest, UnthrottleRequest};

use super::Output;
use crate::cli::JobArgs;
use crate::connect::Session;
use crate::render;

#[derive(Debug, Clone, Copy)]
pub enum Action {
    Pause,
    Resume,
    Cancel,
}

pub async fn run(
    s: &mut Session,
    action: Action,
    args: &JobArgs,
    out: Output,
) -> anyhow::Result<()> {
    let request = JobRef {
        database: s.database().await?,
        job_id: args.job.clone().unwrap_or_default(),
    };
    let info = match action {
        Action::Pause => s.client.pause_job(request).await?,
        Action::Resume => s.client.resume_job(request).await?,
        Action::Cancel => s.client.cancel_job(request).await?,
    }
    .into_inner();
    if out.json {
        return render::json_report(&info);
    }
    let mut lines = render::reports::job(&info);
    // Cancelling takes effect at the job's next checkpoint: the state just
    // returned is still the old one, which alone reads as "nothing happened".
    if matches!(action, Action::Cancel)
        && (info.state == JobState::Running as i32 || info.state == JobState::Paused as i32)
    {
        lines.push(format!(
            "cancel requested: the job stops at its next checkpoint, keeping what is committed (`mig watch --job {}` shows the end)",
            info.job_id
        ));
    }
    render::emit(&lines)
}

/// Sets (`Some`) or removes (`None`) the manual cap.
pub async fn throttle(s: &mut Session, cap: Option<f64>, out: Output) -> anyhow::Result<()> {
    let database = s.database().await?;
    let state = match cap {
        Some(rows_per_sec) => {
            s.client
                .throttle(ThrottleRequest {
                    database,
                    rows_per_sec,
                })
                .await?
        }
        None => s.client.unthrottle(UnthrottleRequest { database }).await?,
    }
    .into_inner();
    out.report(&state, |s| vec![render::status::throttle_line(s)])
}
