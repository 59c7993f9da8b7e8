//! The fleet runs on the scheduler: `rollout` (shows the plan, asks, then
//! every step), and the step-wise `migrate`, `drain`, `cutover`, `verify`.
//! Each ends with the summary table, the command to run next, and an exit
//! status saying whether every target got there.

use std::sync::Arc;

use mig::proto::Phase;

use super::gate;
use super::resolve::{resolve, rollout_id, Freeze};
use super::{can_ask, confirm, load, select};
use crate::cli::{FleetStepArgs, RolloutArgs};
use crate::commands::Output;
use crate::exit::{error, usage, Exit};
use crate::fleet::agents::Schemas;
use crate::fleet::dashboard::Dashboard;
use crate::fleet::expand::{self, Listing};
use crate::fleet::file::{FailureLimit, Fleet};
use crate::fleet::next::{self, Commands, Goal};
use crate::fleet::plan::Rehearse;
use crate::fleet::schedule::{self, Order};
use crate::fleet::state::Outcome;
use crate::fleet::steps::Steps;
use crate::fleet::{agents, status, summary};
use crate::render::{self, progress::Style};

pub async fn rollout(a: &RolloutArgs, out: Output) -> anyhow::Result<()> {
    let max_failures = match a.max_failures.as_deref() {
        Some(t) => Some(FailureLimit::parse(t).ok_or_else(|| {
            usage(format!(
                "--max-failures {t:?}: write a count (10) or a percentage (5%)"
            ))
        })?),
        None => None,
    };
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
    let done = cut_over(fleet, &r.listing, limit).await;
    let gate = a.rehearse_all || fleet.rehearse_all;
    let rehearse = match (a.rehearse, a.sample) {
        (false, _) => Rehearse::No,
        (true, p) => Rehearse::OnCopy(p.unwrap_or(100.0)),
    };
    gate::check(fleet, &schemas, &done, (gate, rehearse), limit, out).await?;
    let pending = done.iter().filter(|d| !**d).count();
    if pending > 0 && !a.yes && !confirm(&format!("roll out to {pending} target(s)?"))? {
        return Err(error(
            Exit::Cancelled,
            "rollout not confirmed; nothing started",
        ));
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
    let commands = Commands::new(&a.fleet.file);
    execute(fleet, &schemas, plan, (&commands, goal), out).await
}

/// Which targets their agents report cut over: from the listing for the
/// databases of many-database targets, from `Status` for the others.
async fn cut_over(fleet: &Fleet, listing: &Listing, limit: usize) -> Vec<bool> {
    let named: Vec<usize> = (0..fleet.targets.len())
        .filter(|&i| fleet.targets[i].group.is_none())
        .collect();
    let subset: Vec<_> = named.iter().map(|&i| fleet.targets[i].clone()).collect();
    let reports = status::fetch(&subset, limit).await;
    let mut done: Vec<bool> = fleet
        .targets
        .iter()
        .map(|t| expand::is_cut_over(listing.phase(&t.url, &t.database)))
        .collect();
    for (i, r) in named.into_iter().zip(reports) {
        done[i] = r.is_ok_and(|s| s.phase >= Phase::CutOver as i32);
    }
    done
}

/// `fleet migrate|drain|cutover|verify`: one kind of step on the selected
/// targets (verify in no particular order: it changes no phase).
pub async fn step(a: &FleetStepArgs, steps: Steps, out: Output) -> anyhow::Result<()> {
    let (fleet, limit) = load(&a.fleet).await?;
    let active = select(&fleet, &a.only)?;
    let schemas = if steps.migrate {
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
    let commands = Commands::new(&a.fleet.file);
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
    let outcomes = scheduled(fleet, schemas, &plan, out, "rollout").await?;
    let next = next::after_run(commands, &outcomes, goal);
    if out.json {
        let mut doc = summary::json(fleet, &id, &outcomes);
        if let (Some(o), Some(n)) = (doc.as_object_mut(), &next) {
            o.insert("next".into(), n.trim_start_matches("next: ").into());
        }
        render::json_line(&doc)?;
    } else {
        let mut lines = summary::lines(fleet, &id, &outcomes);
        lines.extend(next);
        render::emit(&lines)?;
    }
    summary::verdict(&outcomes)
}

/// Runs the scheduler with the live dashboard (`what`: the run's name in
/// its first line); each target's outcome.
pub(super) async fn scheduled(
    fleet: &Fleet,
    schemas: &Schemas,
    plan: &schedule::Plan,
    out: Output,
    what: &str,
) -> anyhow::Result<Vec<Option<Outcome>>> {
    let id = plan.label.clone();
    let names = fleet.targets.iter().map(|t| t.name.clone()).collect();
    let dash = Arc::new(Dashboard::new(
        Style::pick(out.json),
        &id,
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
