//! `mig drain`: starts the drain job (the copy verified while writes flow
//! unless already certified, then writes refused briefly and the recorded
//! tail replayed; with `--cutover`, the new database made ready in the same
//! job) and follows it to the end, then prints its summary.

use mig::proto::{DrainRequest, DrainTimeoutPolicy};

use super::follow::follow_and_finish;
use super::Output;
use crate::cli::{DrainArgs, OnTimeout};
use crate::connect::Session;

pub async fn run(s: &mut Session, args: &DrainArgs, out: Output) -> anyhow::Result<()> {
    let database = s.database().await?;
    let stream = s.client.drain(request(&database, args)).await?.into_inner();
    follow_and_finish(s, &database, args.follow.detach, out, stream).await
}

/// Unset flags are 0 / unspecified: the agent's defaults.
fn request(database: &str, args: &DrainArgs) -> DrainRequest {
    let policy = match args.on_timeout {
        None => DrainTimeoutPolicy::Unspecified,
        Some(OnTimeout::Retry) => DrainTimeoutPolicy::Retry,
        Some(OnTimeout::Stop) => DrainTimeoutPolicy::Stop,
    };
    DrainRequest {
        database: database.to_string(),
        detach: args.follow.detach,
        freeze_limit_ms: args.freeze_limit_ms.unwrap_or(0),
        on_timeout: policy as i32,
        max_attempts: args.max_attempts.unwrap_or(0),
        skip_verify: args.skip_verify,
        cutover: args.cutover,
        revert_window_secs: args.revert_window.map(|d| d.as_secs()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_become_the_request_and_unset_means_agent_default() {
        let args = DrainArgs {
            freeze_limit_ms: Some(500),
            on_timeout: Some(OnTimeout::Stop),
            max_attempts: None,
            skip_verify: true,
            cutover: true,
            revert_window: Some(std::time::Duration::from_secs(1800)),
            follow: crate::cli::FollowArgs { detach: false },
            common: Default::default(),
        };
        let r = request("shop", &args);
        assert_eq!(r.freeze_limit_ms, 500);
        assert_eq!(r.on_timeout, DrainTimeoutPolicy::Stop as i32);
        assert_eq!(r.max_attempts, 0);
        assert_eq!(r.database, "shop");
        assert!(r.skip_verify);
        assert!(r.cutover);
        assert_eq!(r.revert_window_secs, Some(1800));
    }
}
