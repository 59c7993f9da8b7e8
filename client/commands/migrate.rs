//! `mig migrate`: starts (or resumes) the migrate job and follows it to the
//! end, then prints the copy summary.

use mig::proto::job_completed::Summary;
use mig::proto::{MigrateRequest, SchemaSource};

use super::follow::{follow_and_finish, Ending};
use super::Output;
use crate::cli::MigrateArgs;
use crate::connect::Session;
use crate::render;

pub async fn run(
    s: &mut Session,
    args: &MigrateArgs,
    schema: SchemaSource,
    out: Output,
) -> anyhow::Result<()> {
    let database = s.database().await?;
    let stream = s
        .client
        .migrate(MigrateRequest {
            database: database.clone(),
            schema: Some(schema),
            accept_data_loss: args.accept_data_loss,
            detach: args.detach,
            label: args.label.clone(),
            max_rows_per_sec: args.max_rows_per_sec.unwrap_or(0.0),
            ignore_tables: args.schema.ignore_tables.clone(),
        })
        .await?
        .into_inner();
    follow_and_finish(s, &database, args.detach, out, stream).await
}

/// Prints how a followed job ended (see `follow::follow_and_finish`).
pub fn finish(ending: Ending, database: &str, out: Output) -> anyhow::Result<()> {
    if out.json {
        return Ok(());
    }
    match ending {
        Ending::Completed(Some(Summary::Migrate(m))) => {
            render::emit(&render::summaries::migrate_summary(&m))
        }
        Ending::Completed(Some(Summary::Drain(d))) => {
            render::emit(&render::summaries::drain_summary(&d))
        }
        Ending::Completed(Some(Summary::Revert(r))) => {
            render::emit(&render::reports::revert_summary(&r))
        }
        Ending::Completed(Some(Summary::Verify(v))) => {
            render::emit(&render::summaries::verify_summary(&v))
        }
        Ending::Completed(None) => render::emit(&["job completed".into()]),
        Ending::Detached { job_id } => render::emit(&[format!(
            "job {job_id} runs on the agent; follow it with `mig watch --database {database} --job {job_id}`"
        )]),
    }
}
