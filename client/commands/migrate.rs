//! `mig migrate`: starts (or resumes) the migrate job and follows it to the
//! end; `follow.rs` prints the copy summary.

use mig::proto::{MigrateRequest, SchemaSource};

use super::follow::follow_and_finish;
use super::Output;
use crate::cli::MigrateArgs;
use crate::connect::Session;

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
            detach: args.follow.detach,
            label: args.label.clone(),
            max_rows_per_sec: args.max_rows_per_sec.unwrap_or(0.0),
            ignore_tables: args.schema.ignore_tables.clone(),
            allow_same_schema: args.allow_same_schema,
        })
        .await?
        .into_inner();
    follow_and_finish(s, &database, args.follow.detach, out, stream).await
}
