//! Follows a job's event stream (migrate, drain, watch) to its terminal
//! event: renders each event, turns `JobFailed`/`JobCancelled` into errors
//! with their exit codes, and handles Ctrl-C — with the in-process agent it
//! cancels the job and waits for it to stop at a chunk boundary; with a
//! remote agent it detaches and says how to re-attach.

use std::future::Future;
use std::pin::Pin;

use mig::proto::job_completed::Summary;
use mig::proto::job_event::Event;
use mig::proto::migrator_client::MigratorClient;
use mig::proto::{JobEvent, JobRef};
use tonic::transport::Channel;
use tonic::Streaming;

use super::Output;
use crate::exit::{code_from_name, error, for_code, Exit};
use crate::render;
use crate::render::progress::{Renderer, Sequence, Style};

/// How a followed stream ended without error.
pub enum Ending {
    /// The job completed; its summary, when the agent sent one.
    Completed(Option<Summary>),
    /// `--detach`: the job started and runs on without us.
    Detached { job_id: String },
}

pub struct Follow<'a> {
    pub client: MigratorClient<Channel>,
    pub database: &'a str,
    /// The agent runs in this process: Ctrl-C cancels the job.
    pub local: bool,
    /// The request asked the agent to return once the job started.
    pub detach: bool,
    /// `#seq` before plain lines (`mig watch`, for `--from-seq`).
    pub sequence: Sequence,
    pub out: Output,
}

/// Follows a job stream the session started (or re-attached to) to its
/// terminal event and prints how it ended: migrate, drain, verify, revert.
pub async fn follow_and_finish(
    s: &crate::connect::Session,
    database: &str,
    detach: bool,
    out: Output,
    stream: Streaming<JobEvent>,
) -> anyhow::Result<()> {
    finish(s, database, detach, Sequence::Hidden, out, stream).await
}

/// `mig watch`: the same, with each plain line's sequence number, so a
/// later `mig watch --from-seq N` picks up where this one was.
pub async fn watch_and_finish(
    s: &crate::connect::Session,
    database: &str,
    out: Output,
    stream: Streaming<JobEvent>,
) -> anyhow::Result<()> {
    finish(s, database, false, Sequence::Shown, out, stream).await
}

async fn finish(
    s: &crate::connect::Session,
    database: &str,
    detach: bool,
    sequence: Sequence,
    out: Output,
    stream: Streaming<JobEvent>,
) -> anyhow::Result<()> {
    let ending = Follow {
        client: s.client.clone(),
        database,
        local: s.is_local(),
        detach,
        sequence,
        out,
    }
    .run(stream)
    .await?;
    print_ending(ending, database, out)
}

/// Prints how a followed job ended: its summary, or how to re-attach.
fn print_ending(ending: Ending, database: &str, out: Output) -> anyhow::Result<()> {
    if out.json {
        return Ok(());
    }
    let lines = match ending {
        Ending::Completed(Some(summary)) => render::summaries::job_summary(&summary),
        Ending::Completed(None) => vec!["job completed".into()],
        Ending::Detached { job_id } => vec![format!(
            "job {job_id} runs on the agent; follow it with `mig watch --database {database} --job {job_id}`"
        )],
    };
    render::emit(&lines)
}

impl Follow<'_> {
    pub async fn run(mut self, mut stream: Streaming<JobEvent>) -> anyhow::Result<Ending> {
        let mut renderer = Renderer::new(Style::pick(self.out.json), self.sequence);
        let mut job_id = String::new();
        let mut cancelling = false;
        let mut interrupted = interrupt();
        // The start is shown with the job's next event: a job refused at its
        // start (its first check failed, nothing changed) prints only the
        // refusal, not a start before it.
        let mut start = HeldStart::default();
        loop {
            let next = tokio::select! {
                next = stream.message() => next,
                () = tokio::time::sleep(HOLD_START), if start.0.is_some() => {
                    start.show(&mut renderer)?;
                    continue;
                }
                () = &mut interrupted => {
                    interrupted = interrupt();
                    start.show(&mut renderer)?;
                    if !self.local {
                        renderer.finish();
                        return Err(error(Exit::Cancelled, detached_message(&job_id, self.database)));
                    }
                    if cancelling {
                        renderer.finish();
                        return Err(error(Exit::Cancelled, format!(
                            "interrupted again: stopped waiting for job {job_id}; its unfinished chunk is rolled back, re-run the command to continue"
                        )));
                    }
                    cancelling = true;
                    self.cancel(&renderer, &job_id).await?;
                    continue;
                }
            };
            let next = next.inspect_err(|_| renderer.finish());
            let Some(ev) = next? else {
                start.show(&mut renderer)?;
                renderer.finish();
                return if self.detach && !job_id.is_empty() {
                    Ok(Ending::Detached { job_id })
                } else {
                    Err(error(
                        Exit::Unavailable,
                        format!(
                            "the agent ended the stream before the job finished; re-attach with `mig watch --database {}`",
                            self.database
                        ),
                    ))
                };
            };
            if !ev.job_id.is_empty() {
                job_id.clone_from(&ev.job_id);
            }
            if matches!(ev.event, Some(Event::Started(_))) {
                start.0 = Some(ev);
                continue;
            }
            if matches!(ev.event, Some(Event::Failed(_))) {
                start.0 = None;
            }
            start.show(&mut renderer)?;
            renderer.event(&ev)?;
            match ev.event {
                Some(Event::Completed(c)) => {
                    renderer.finish();
                    return Ok(Ending::Completed(c.summary));
                }
                Some(Event::Failed(f)) => {
                    renderer.finish();
                    return Err(error(for_code(code_from_name(&f.code)), f.message));
                }
                Some(Event::Cancelled(c)) => {
                    renderer.finish();
                    return Err(error(Exit::Cancelled, cancelled_message(&c.message)));
                }
                _ => {}
            }
        }
    }

    /// Asks the in-process agent to cancel the job; its terminal event
    /// follows on the stream.
    async fn cancel(&mut self, renderer: &Renderer, job_id: &str) -> anyhow::Result<()> {
        let request = JobRef {
            database: self.database.to_string(),
            job_id: job_id.to_string(),
        };
        // The job may have just ended on its own: its terminal event is on
        // the stream either way, so a refusal here is only worth a note.
        match self.client.cancel_job(request).await {
            Ok(_) => renderer.say(&format!(
                "interrupted: cancelling job {job_id}; waiting for it to stop at a chunk boundary (Ctrl-C again to quit now)"
            )),
            Err(status) => renderer.say(&format!(
                "interrupted: cancel not accepted: {}",
                status.message()
            )),
        }
    }
}

/// How long a start is held back when nothing follows it (a job whose
/// checks read a large database, or that waits for a lock).
const HOLD_START: std::time::Duration = std::time::Duration::from_millis(500);

/// A job's start event, held until the job's next event shows whether it
/// did anything.
#[derive(Default)]
struct HeldStart(Option<JobEvent>);

impl HeldStart {
    fn show(&mut self, renderer: &mut Renderer) -> anyhow::Result<()> {
        match self.0.take() {
            Some(ev) => renderer.event(&ev),
            None => Ok(()),
        }
    }
}

/// Completes on Ctrl-C (never, if the handler cannot be installed). Kept
/// across loop turns so a signal between two events is not missed.
pub fn interrupt() -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await
        }
    })
}

fn detached_message(job_id: &str, database: &str) -> String {
    let job = if job_id.is_empty() {
        String::new()
    } else {
        format!(" --job {job_id}")
    };
    format!(
        "interrupted: the job keeps running on the agent; re-attach with `mig watch --database {database}{job}`"
    )
}

fn cancelled_message(message: &str) -> String {
    if message.is_empty() {
        "cancelled".into()
    } else if message.starts_with("cancelled") {
        message.to_string()
    } else {
        format!("cancelled: {message}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detach_message_names_how_to_reattach() {
        assert_eq!(
            detached_message("j7", "shop"),
            "interrupted: the job keeps running on the agent; re-attach with `mig watch --database shop --job j7`"
        );
    }

    #[test]
    fn cancelled_message_says_cancelled_once() {
        assert_eq!(cancelled_message(""), "cancelled");
        assert_eq!(cancelled_message("cancelled: x"), "cancelled: x");
        assert_eq!(cancelled_message("stopped"), "cancelled: stopped");
    }
}
