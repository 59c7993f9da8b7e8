//! `mig fleet ...`: validates the fleet file and the flags (no I/O before
//! that), then plans, reports, or runs every target through `crate::fleet`:
//! `runs.rs` (rollout and the step-wise commands, verify included, on the
//! scheduler), `oneshot.rs` (reset, cancel: one call per target),
//! `cleanup.rs` (cleanup-old, open revert windows decided up front), `revert.rs` (the rollback, on the scheduler in reverse order:
//! last wave first). The agents hold the truth; re-running continues.

mod cleanup;
mod gate;
mod oneshot;
mod resolve;
mod revert;
mod runs;

use std::collections::HashSet;
use std::io::{BufRead, Write};

use anyhow::Context;

use super::Output;
use crate::cli::{FleetAction, FleetArgs, FleetFileArgs, FleetReportArgs, GlobalArgs};
use crate::exit::{error, failed, usage, Exit};
use crate::fleet::file::Fleet;
use crate::fleet::lock::{self, FleetLock};
use crate::fleet::next::Commands;
use crate::fleet::steps::Steps;
use crate::fleet::{agents, plan, status};
use crate::render;

pub async fn run(args: &FleetArgs, global: &GlobalArgs, out: Output) -> anyhow::Result<()> {
    if global.agent.is_some()
        || global.database.is_some()
        || global.old.is_some()
        || global.new.is_some()
        || global.project.is_some()
    {
        return Err(usage("fleet commands take their agents and databases from the fleet file, not --agent/--database/--old/--new/-C"));
    }
    let _lock = lock_for(&args.action, out)?;
    match &args.action {
        FleetAction::Plan(a) => plan_cmd(a, out).await,
        FleetAction::Rollout(a) => runs::rollout(a, out).await,
        FleetAction::Status(a) => status_cmd(a, out).await,
        FleetAction::Migrate(a) => runs::step(a, Steps::MIGRATE, out).await,
        FleetAction::Drain(a) => runs::step(a, Steps::DRAIN, out).await,
        FleetAction::Cutover(a) => runs::step(a, Steps::CUTOVER, out).await,
        FleetAction::Verify(a) => runs::step(a, Steps::VERIFY, out).await,
        FleetAction::CleanupOld(a) => cleanup::cleanup_old(a, out).await,
        FleetAction::Reset(a) => oneshot::reset(a, out).await,
        FleetAction::Cancel(a) => oneshot::cancel(a, out).await,
        FleetAction::Revert(a) => revert::run(a, out).await,
    }
}

/// The fleet file's lock, for a command that changes targets (not `plan`,
/// `status`, `verify`, a dry run, nor `cancel`, which must reach a running
/// rollout's jobs); a second one is refused naming the holder. Taken once
/// the file is known to be valid: a mistyped `-f` creates nothing.
fn lock_for(action: &FleetAction, out: Output) -> anyhow::Result<Option<FleetLock>> {
    let file = match action {
        FleetAction::Rollout(a) => &a.fleet,
        FleetAction::Migrate(a) | FleetAction::Drain(a) | FleetAction::Cutover(a) => &a.fleet,
        FleetAction::CleanupOld(a) => &a.step.fleet,
        FleetAction::Reset(a) if !a.undo.dry_run => &a.undo.fleet,
        FleetAction::Revert(a) if !a.undo.dry_run => &a.undo.fleet,
        FleetAction::Plan(_)
        | FleetAction::Status(_)
        | FleetAction::Verify(_)
        | FleetAction::Cancel(_)
        | FleetAction::Reset(_)
        | FleetAction::Revert(_) => return Ok(None),
    };
    resolve::load_file(file)?;
    let held = lock::acquire(&file.file, &format!("`mig {}`", action.name()))?;
    if let (Some(note), false) = (&held.took_over, out.json) {
        render::emit(std::slice::from_ref(note))?;
    }
    Ok(Some(held))
}

/// The fleet, its many-database targets expanded (the rollout record's
/// set when there is one for these schemas), and the concurrency to use.
async fn load(a: &FleetFileArgs) -> anyhow::Result<(Fleet, usize)> {
    let r = resolve::resolve(a, resolve::Freeze::Read).await?;
    Ok((r.fleet, r.limit))
}

/// Which targets `--only` selects (all when empty): a target's name, or a
/// many-database target's name for all of its databases; unknown names
/// refused.
fn select(fleet: &Fleet, only: &[String]) -> anyhow::Result<Vec<bool>> {
    if only.is_empty() {
        return Ok(vec![true; fleet.targets.len()]);
    }
    let wanted: HashSet<&str> = only.iter().map(String::as_str).collect();
    let known = |n: &str| {
        fleet.index(n).is_some() || fleet.targets.iter().any(|t| t.group.as_deref() == Some(n))
    };
    if let Some(unknown) = only.iter().find(|n| !known(n)) {
        return Err(usage(format!("--only names unknown target {unknown:?}")));
    }
    Ok(fleet
        .targets
        .iter()
        .map(|t| {
            wanted.contains(t.name.as_str())
                || t.group.as_deref().is_some_and(|g| wanted.contains(g))
        })
        .collect())
}

/// The fleet with only the targets `--only` selects (all when empty).
async fn load_selected(a: &FleetReportArgs) -> anyhow::Result<(Fleet, usize)> {
    let (fleet, limit) = load(&a.fleet).await?;
    Ok((only(fleet, &a.only)?, limit))
}

fn only(mut fleet: Fleet, names: &[String]) -> anyhow::Result<Fleet> {
    let mut chosen = select(&fleet, names)?.into_iter();
    fleet.targets.retain(|_| chosen.next().unwrap_or(false));
    Ok(fleet)
}

async fn plan_cmd(a: &FleetReportArgs, out: Output) -> anyhow::Result<()> {
    let r = resolve::resolve(&a.fleet, resolve::Freeze::Read).await?;
    // A many-database target that selects nothing has no row to show.
    let none: Vec<&String> = r
        .selects_none
        .iter()
        .filter(|t| a.only.is_empty() || a.only.contains(t))
        .collect();
    let (fleet, limit) = (only(r.fleet, &a.only)?, r.limit);
    let schemas = agents::schemas(&fleet.targets)?;
    let planned = plan::fetch(&fleet.targets, &schemas, limit, out.json).await;
    if out.json {
        render::json_report(&plan::json(&fleet, &planned))?;
    } else {
        render::emit(&plan::lines(&fleet, &planned))?;
    }
    let blocked = fleet
        .targets
        .iter()
        .zip(&planned)
        .filter(|(t, p)| p.blocker(t).is_some())
        .count();
    if !none.is_empty() {
        let names: Vec<&str> = none.iter().map(|s| s.as_str()).collect();
        return Err(failed(format!(
            "{} select(s) none of the databases its agent serves: nothing to plan there; fix its `databases` pattern or list (`mig databases` lists what the agent serves){}",
            names.join(", "),
            if blocked > 0 { format!("; {blocked} other target(s) cannot run (listed above)") } else { String::new() }
        )));
    }
    if blocked > 0 {
        return Err(failed(format!(
            "{blocked} of {} targets cannot run (listed above)",
            fleet.targets.len()
        )));
    }
    Ok(())
}

async fn status_cmd(a: &FleetReportArgs, out: Output) -> anyhow::Result<()> {
    let (fleet, limit) = load_selected(a).await?;
    let reports = status::fetch(&fleet.targets, limit).await;
    if out.json {
        for line in status::json_lines(&fleet, &reports) {
            render::json_line(&line)?;
        }
    } else {
        let mut lines = vec![status::counts_line(&reports)];
        lines.extend(status::lines(
            &fleet,
            &reports,
            &Commands::new(&a.fleet.file),
        ));
        render::emit(&lines)?;
    }
    let unreachable = reports
        .iter()
        .filter(|r| r.as_ref().is_err_and(|e| e.unreachable))
        .count();
    if unreachable > 0 {
        return Err(error(
            Exit::Unavailable,
            format!(
                "{unreachable} of {} agents unreachable (listed above)",
                fleet.targets.len()
            ),
        ));
    }
    // Reached, but the agent refused (an unknown database, a missing role).
    let refused = reports.iter().filter(|r| r.is_err()).count();
    if refused > 0 {
        return Err(error(
            Exit::Failed,
            format!(
                "{refused} of {} targets refused by their agent (listed above)",
                fleet.targets.len()
            ),
        ));
    }
    Ok(())
}

/// Refuses to ask when nobody can answer: stdin is not a terminal and the
/// command was not given `--yes`.
pub(crate) fn can_ask(command: &str, yes: bool, alternative: &str) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    if yes || std::io::stdin().is_terminal() {
        return Ok(());
    }
    Err(usage(format!(
        "{command} asks for confirmation and stdin is not a terminal; pass --yes{alternative}"
    )))
}

/// Asks on stderr; true for `y` or `yes`.
pub(crate) fn confirm(question: &str) -> anyhow::Result<bool> {
    let mut err = std::io::stderr().lock();
    write!(err, "{question} [y/N] ")
        .and_then(|()| err.flush())
        .context("writing to stderr")?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .context("reading the answer")?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
