//! `mig watch`: re-attaches to a job on a remote agent, replaying the events
//! it still holds from `--from-seq`, and follows it to the end. Plain lines
//! start with their sequence number (`#12 copy: ...`).

use mig::proto::WatchRequest;

use super::follow::watch_and_finish;
use super::Output;
use crate::cli::WatchArgs;
use crate::connect::Session;

pub async fn run(s: &mut Session, args: &WatchArgs, out: Output) -> anyhow::Result<()> {
    let database = s.database().await?;
    let stream = s
        .client
        .watch(WatchRequest {
            database: database.clone(),
            job_id: args.job.clone().unwrap_or_default(),
            from_seq: args.from_seq,
        })
        .await?
        .into_inner();
    watch_and_finish(s, &database, out, stream).await
}
