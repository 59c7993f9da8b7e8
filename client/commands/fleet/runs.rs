//! The fleet runs on the scheduler: `rollout` (shows the plan, asks, then
//! every step), and the step-wise `migrate`, `drain`, `cutover`, `verify`.
//! Each ends with the summary table, the command to run next, and an exit
//! status saying whether every target got there.

use std::path::Path;
use std::sync::Arc;

use mig::proto::Phase;

use super::gate;
use super::resolve::{resolve, rollout_id, Freeze, Resolved};
use super::{can_ask, confirm, load, select};
use crate::cli::{FleetStepArgs, RolloutArgs};
use crate::commands::Output;
use crate::exit::{error, failed, usage, Exit};
use crate::fleet::agents::Schemas;
use crate::fleet::dashboard::{Dashboard, Run};
use crate::fleet::expand::{self, Listing};
use crate::fleet::file::{FailureLimit, Fleet};
use crate::fleet::next::{self, Commands, Goal};
use crate::fleet::plan::Rehearse;
use crate::fleet::record;
use crate::fleet::schedule::{self, Order};
use crate::fleet::state::Outcome;
use crate::fleet::steps::Steps;
use crate::fleet::{agents, status, summary};
use crate::render::{self, progress::Style};

pub async fn rollout(a: &RolloutArgs, out: Output) -> anyhow::Result<()> {
    let max_failures = max_failures(a.max_failures.as_deref())?;
    can_ask("rollout", a.yes, "")?;
    let r = resolve(&a.fleet, Freeze::Rollout { add_new: a.add_new }).await?;
    let say = |lines: &[String]| {
        if out.json {
            Ok(())
        } else {
            render::emit(lines)
        }
    };
    say(&r.notes)?;
    let (fleet, limit) = (&r.fleet, r.limit);
    let schemas = agents::schemas(&fleet.targets)?;
    // Targets already cut over need no plan: re-running continues.
    let phases = phases(fleet, &r.listing, limit).await;
    let commands = Commands::new(&a.fleet.file);
    refuse_reverted(fleet, &phases, &vec![true; phases.len()], &commands)?;
    let done: Vec<bool> = phases.iter().map(|p| expand::is_cut_over(*p)).collect();
    let pending = done.iter().filter(|d| !**d).count();
    if pending == 0 {
        return nothing_started(&r, &a.fleet.file, out);
    }
    let gate = a.rehearse_all || fleet.rehearse_all;
    let rehearse = match (a.rehearse, a.sample) {
        (false, _) => Rehearse::No,
        (true, p) => Rehearse::OnCopy(p.unwrap_or(100.0)),
    };
    gate::check(fleet, &schemas, &done, (gate, rehearse), limit, out).await?;
    if !a.yes && !confirm(&format!("roll out to {pending} target(s)?"))? {
        return Err(error(
            Exit::Cancelled,
            "rollout not confirmed; nothing started",
        ));
    }
    if let Some(note) = r.save()? {
        say(&[note])?;
    }
    let (steps, goal) = if a.postpone_cutover {
        (Steps::POSTPONED, Goal::Postponed)
    } else {
        (Steps::ROLLOUT, Goal::CutOver)
    };
    let plan = schedule::Plan {
        steps,
        order: Order::CutOverFirst,
        label: r
            .record
            .as_ref()
            .map_or_else(rollout_id, |r| r.rollout.clone()),
        concurrency: limit,
        on_failure: fleet.on_failure,
        max_failures: max_failures.or(fleet.max_failures),
        active: vec![true; fleet.targets.len()],
        cut_over: done,
    };
    execute(fleet, &schemas, plan, (&commands, goal), out).await
}

/// `--max-failures N|P%`, validated.
fn max_failures(flag: Option<&str>) -> anyhow::Result<Option<FailureLimit>> {
    flag.map(|t| {
        FailureLimit::parse(t).ok_or_else(|| {
            usage(format!(
                "--max-failures {t:?}: write a count (10) or a percentage (5%)"
            ))
        })
    })
    .transpose()
}

/// A rollout with nothing to start says so in one line and leaves the
/// rollout record as it was: done when every target is cut over, refused
/// when a many-database target selects no database at all (a typo in its
/// pattern, or the wrong agent).
fn nothing_started(r: &Resolved, file: &Path, out: Output) -> anyhow::Result<()> {
    // Only a fleet with many-database targets keeps a record.
    let record = record::path_for(file);
    let kept = match (&r.record, record.exists()) {
        (None, _) => String::new(),
        (Some(_), true) => format!("; {} left as it was", record.display()),
        (Some(_), false) => format!("; {} not written", record.display()),
    };
    let empty: Vec<&str> = r
        .record
        .iter()
        .flat_map(|rec| rec.databases.iter())
        .filter(|(_, dbs)| dbs.is_empty())
        .map(|(name, _)| name.as_str())
        .collect();
    if !empty.is_empty() {
        return Err(failed(format!(
            "nothing started: {} select(s) none of the databases its agent serves (see above; `mig databases` lists them){kept}",
            empty.join(", ")
        )));
    }
    if !out.json {
        render::emit(&[format!(
            "nothing to start: all {} target(s) are cut over already{kept}",
            r.fleet.targets.len()
        )])?;
    }
    Ok(())
}

/// The phase each target's agent reports: from the listing where it has
/// the database (many-database targets), from `Status` for the others
/// (`None`: no answer).
pub(super) async fn phases(fleet: &Fleet, listing: &Listing, limit: usize) -> Vec<Option<i32>> {
    let mut phases: Vec<Option<i32>> = fleet
        .targets
        .iter()
        .map(|t| listing.phase(&t.url, &t.database))
        .collect();
    let asked: Vec<usize> = (0..phases.len()).filter(|&i| phases[i].is_none()).collect();
    let subset: Vec<_> = asked.iter().map(|&i| fleet.targets[i].clone()).collect();
    let reports = status::fetch(&subset, limit).await;
    for (i, r) in asked.into_iter().zip(reports) {
        phases[i] = r.ok().map(|s| s.phase);
    }
    phases
}

/// Refuses, before anything starts, to migrate targets whose migration was
/// reverted: the old database serves again and the reverted new file is
/// kept as a record (a migrate would meet it where it builds the new one).
/// The line names the command that deletes those files (as `mig migrate`
/// names `mig reset` for one database), then the rollout migrates again.
fn refuse_reverted(
    fleet: &Fleet,
    phases: &[Option<i32>],
    active: &[bool],
    commands: &Commands,
) -> anyhow::Result<()> {
    let reverted: Vec<usize> = (0..fleet.targets.len())
        .filter(|&i| active.get(i).copied().unwrap_or(false))
        .filter(|&i| phases.get(i).copied().flatten() == Some(Phase::Reverted as i32))
        .collect();
    if reverted.is_empty() {
        return Ok(());
    }
    let only = next::only_names(fleet, &reverted);
    let only: Vec<&str> = only.iter().map(String::as_str).collect();
    Err(failed(format!(
        "nothing started: {} target(s) were reverted ({}): the old databases serve again and each reverted new database is kept as a record of the writes it took; {} deletes those new databases (refusing any that holds rows its revert discarded, saying how to keep them), then {} migrates again",
        reverted.len(),
        next::few_names(fleet, &reverted),
        commands.named("reset", &only),
        commands.named("rollout", &[]),
    )))
}

/// `fleet migrate|drain|cutover|verify`: one kind of step on the selected
/// targets (verify in no particular order: it changes no phase).
pub async fn step(a: &FleetStepArgs, steps: Steps, out: Output) -> anyhow::Result<()> {
    let (fleet, limit) = load(&a.fleet).await?;
    let active = select(&fleet, &a.only)?;
    let commands = Commands::new(&a.fleet.file);
    let schemas = if steps.migrate {
        let now = phases(&fleet, &Listing::default(), limit).await;
        refuse_reverted(&fleet, &now, &active, &commands)?;
        agents::schemas(&fleet.targets)?
    } else {
        Schemas::default()
    };
    let plan = schedule::Plan {
        max_failures: fleet.max_failures,
        steps,
        order: if steps.verify {
            Order::Free
        } else {
            Order::CutOverFirst
        },
        label: rollout_id(),
        concurrency: limit,
        on_failure: fleet.on_failure,
        cut_over: vec![false; active.len()],
        active,
    };
    execute(&fleet, &schemas, plan, (&commands, Goal::CutOver), out).await
}

/// Runs the scheduler with the live dashboard, then the summary and what
/// to run next.
async fn execute(
    fleet: &Fleet,
    schemas: &Schemas,
    plan: schedule::Plan,
    (commands, goal): (&Commands, Goal),
    out: Output,
) -> anyhow::Result<()> {
    let id = plan.label.clone();
    let outcomes = scheduled(fleet, schemas, &plan, out, Run::Rollout).await?;
    let next = next::after_run(commands, &outcomes, goal);
    let active = plan.active.iter().filter(|a| **a).count();
    let limit = plan.max_failures.map(|l| l.allowed(active));
    let reached = summary::limit_reached_last(&outcomes, limit);
    if out.json {
        let mut doc = summary::json(fleet, &id, &outcomes);
        if let (Some(o), Some(n)) = (doc.as_object_mut(), &next) {
            o.insert("next".into(), n.trim_start_matches("next: ").into());
        }
        if let (Some(o), Some(r)) = (doc.as_object_mut(), &reached) {
            o.insert("stopped".into(), r.as_str().into());
        }
        render::json_line(&doc)?;
    } else {
        let mut lines = summary::lines(fleet, &format!("rollout {id}"), &outcomes);
        lines.extend(reached);
        lines.extend(next);
        render::emit(&lines)?;
    }
    summary::verdict(&outcomes)
}

/// Runs the scheduler with the live dashboard (`run` names it in
/// its first line); each target's outcome.
pub(super) async fn scheduled(
    fleet: &Fleet,
    schemas: &Schemas,
    plan: &schedule::Plan,
    out: Output,
    run: Run,
) -> anyhow::Result<Vec<Option<Outcome>>> {
    let what = run.name();
    let id = plan.label.clone();
    let names = fleet.targets.iter().map(|t| t.name.clone()).collect();
    let dash = Arc::new(Dashboard::new(
        Style::pick(out.json),
        (run, &id),
        names,
        &plan.active,
    ));
    dash.say(&format!(
        "{what} {id}: {} target(s), concurrency {}",
        plan.active.iter().filter(|a| **a).count(),
        plan.concurrency
    ));
    let outcomes = tokio::select! {
        o = schedule::run(fleet, schemas, plan, dash.clone()) => o,
        () = crate::commands::follow::interrupt() => {
            dash.finish();
            return Err(error(Exit::Cancelled, format!("interrupted: running jobs go on on the agents; `mig fleet status` shows where each target is, `mig fleet {what}` continues, `mig fleet cancel` stops them")));
        }
    };
    dash.finish();
    Ok(outcomes)
}
