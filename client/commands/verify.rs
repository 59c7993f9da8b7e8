//! `mig verify`: starts the verify job (every table compared with the
//! mapping of the old database, chunk by chunk, while writes may flow) and
//! follows it to the end, then prints per-table results and the verdict.
//! A remaining difference arrives as a DATA_LOSS failure (exit code 4).

use mig::proto::VerifyRequest;

use super::follow::follow_and_finish;
use super::Output;
use crate::cli::VerifyArgs;
use crate::connect::Session;

pub async fn run(s: &mut Session, args: &VerifyArgs, out: Output) -> anyhow::Result<()> {
    let database = s.database().await?;
    let stream = s
        .client
        .verify(request(&database, args))
        .await?
        .into_inner();
    follow_and_finish(s, &database, args.detach, out, stream).await
}

/// Unset flags are 0: the agent's defaults.
fn request(database: &str, args: &VerifyArgs) -> VerifyRequest {
    VerifyRequest {
        database: database.to_string(),
        detach: args.detach,
        check_only: args.check_only,
        chunk_rows: args.chunk_rows.unwrap_or(0),
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
            detach: false,
        };
        let r = request("shop", &args);
        assert!(r.check_only);
        assert_eq!((r.chunk_rows, r.database.as_str()), (0, "shop"));
    }
}
