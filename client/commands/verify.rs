//! `mig verify`: starts the verify job (every table compared with the
//! mapping of the old database, chunk by chunk, while writes may flow) and
//! follows it to the end, then prints per-table results and the verdict.
//! A remaining difference arrives as a DATA_LOSS failure (exit code 4).

use std::path::Path;

use anyhow::Context;
use mig::proto::VerifyRequest;

use super::follow::follow_and_finish;
use super::Output;
use crate::cli::VerifyArgs;
use crate::connect::Session;

pub async fn run(s: &mut Session, args: &VerifyArgs, out: Output) -> anyhow::Result<()> {
    // The query file is read before anything is contacted; the agent gets
    // its text (so `--queries` works against a remote agent too).
    let queries = match &args.queries {
        Some(path) => Some(read_queries(path)?),
        None => None,
    };
    let database = s.database().await?;
    let stream = s
        .client
        .verify(request(&database, args, queries))
        .await?
        .into_inner();
    follow_and_finish(s, &database, args.follow.detach, out, stream).await
}

/// (file name, text) of `--queries`.
fn read_queries(path: &Path) -> anyhow::Result<(String, String)> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read the query file {}; check --queries",
            path.display()
        )
    })?;
    if text.trim().is_empty() {
        anyhow::bail!(
            "the query file {} is empty; put read-only queries in it",
            path.display()
        );
    }
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok((name, text))
}

/// Unset flags are 0 / empty: the agent's defaults.
fn request(database: &str, args: &VerifyArgs, queries: Option<(String, String)>) -> VerifyRequest {
    let (queries_file, queries_sql) = queries.unwrap_or_default();
    VerifyRequest {
        database: database.to_string(),
        detach: args.follow.detach,
        check_only: args.check_only,
        chunk_rows: args.chunk_rows.unwrap_or(0),
        queries_sql,
        queries_file,
        query_runs: args.query_runs.unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_become_the_request() {
        let args = VerifyArgs {
            check_only: true,
            chunk_rows: None,
            queries: None,
            query_runs: Some(3),
            follow: crate::cli::FollowArgs { detach: false },
            common: Default::default(),
        };
        let r = request("shop", &args, Some(("q.sql".into(), "SELECT 1".into())));
        assert!(r.check_only);
        assert_eq!((r.chunk_rows, r.database.as_str()), (0, "shop"));
        assert_eq!(
            (
                r.queries_file.as_str(),
                r.queries_sql.as_str(),
                r.query_runs
            ),
            ("q.sql", "SELECT 1", 3)
        );
    }
}
