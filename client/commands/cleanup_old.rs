//! `mig cleanup-old` (and `mig release-old`): drops the migration tables
//! and triggers from the old database, leaving the retired guard unless
//! releasing; reports the previous marker status and what was dropped. The
//! agent refuses while the old database is still recording, and while a
//! revert window is open unless told to close it. Releasing asks first,
//! as `reset` does (without `--yes`): the old database takes writes again
//! and nothing brings its guard back. It asks only once the agent said
//! the release could run (a `check_only` request), so an agent's refusal
//! is never hidden behind the question.

use mig::proto::CleanupOldRequest;

use super::fleet::{can_ask, confirm};
use super::Output;
use crate::cli::CloseWindowArg;
use crate::connect::Session;
use crate::exit::{error, Exit};
use crate::render;

/// What becomes of the retired guard that refuses the old database's writes.
#[derive(Debug, Clone, Copy)]
pub enum Guard {
    /// It stays (`cleanup-old`).
    Keep,
    /// It goes (`release-old`, `cleanup-old --release`), as the command
    /// named it; `yes`: without asking.
    Release { command: &'static str, yes: bool },
}

pub async fn run(
    s: &mut Session,
    guard: Guard,
    window: CloseWindowArg,
    out: Output,
) -> anyhow::Result<()> {
    let database = s.database().await?;
    let request = CleanupOldRequest {
        database,
        release: matches!(guard, Guard::Release { .. }),
        close_revert_window: window.close_revert_window,
        check_only: false,
    };
    if let Guard::Release {
        command,
        yes: false,
    } = guard
    {
        // The agent's own refusal (not cut over, a window open, …) comes
        // before the question: the first answer the user gets is the real one.
        let check = CleanupOldRequest {
            check_only: true,
            ..request.clone()
        };
        s.client.cleanup_old(check).await?;
        ask(command)?;
    }
    let report = s.client.cleanup_old(request).await?.into_inner();
    out.report(&report, render::reports::cleanup_old)
}

/// Asks before the guard goes, or refuses without a terminal to ask on.
fn ask(command: &str) -> anyhow::Result<()> {
    can_ask(command, false, "")?;
    let question = format!(
        "{command}: let the old database take writes again? Its service could then write there instead of the new database, and nothing brings the guard back"
    );
    if confirm(&question)? {
        return Ok(());
    }
    Err(error(
        Exit::Cancelled,
        format!("{command} not confirmed; nothing changed"),
    ))
}
