//! `mig reset`: returns both files to the state before `migrate` (before
//! cutover only); `--dry-run` lists the actions without taking them. Without
//! `--yes` it shows those actions first and asks (it deletes the new
//! database and lets writes through on the old one again).

use mig::proto::ResetRequest;

use super::fleet::{can_ask, confirm};
use super::Output;
use crate::cli::ResetArgs;
use crate::connect::Session;
use crate::exit::{error, Exit};
use crate::render;

/// How the agent words the one action of a pair with nothing to undo.
const NOTHING: &str = "nothing to reset";

pub async fn run(s: &mut Session, args: &ResetArgs, out: Output) -> anyhow::Result<()> {
    let database = s.database().await?;
    let ask = !args.dry_run && !args.yes;
    let request = |dry_run| ResetRequest {
        database: database.clone(),
        dry_run,
        delete_discarded_rows: args.delete_discarded_rows,
    };
    if ask {
        let plan = s.client.reset(request(true)).await?.into_inner();
        let nothing = plan.actions.iter().all(|a| a.starts_with(NOTHING));
        if nothing {
            return out.report(&plan, |p| p.actions.clone());
        }
        can_ask(
            "reset",
            false,
            " (`mig reset --dry-run` shows what it would do)",
        )?;
        // Part of the question: on stderr, beside it.
        render::emit_err(&render::reports::reset(&plan))?;
        if !confirm("reset: take the actions above?")? {
            return Err(error(
                Exit::Cancelled,
                "reset not confirmed; nothing changed",
            ));
        }
    }
    let report = s.client.reset(request(args.dry_run)).await?.into_inner();
    out.report(&report, render::reports::reset)
}
