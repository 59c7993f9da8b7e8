//! The fleet runs on the scheduler: `rollout` (shows the plan, asks, then
//! every step), and the step-wise `migrate`, `drain`, `cutover`, `verify`.
//! Each ends with the summary table, the command to run next, and an exit
//! status saying whether every target got there.

use std::sync::Arc;

use mig::proto::{Phase, SchemaSource};

use super::{can_ask, confirm, load, select};
use crate::cli::{FleetStepArgs, RolloutArgs};
use crate::commands::Output;
use crate::exit::{error, failed, Exit};
use crate::fleet::dashboard::Dashboard;
use crate::fleet::file::Fleet;
use crate::fleet::next::{self, Commands, Goal};
use crate::fleet::schedule::{self, Order};
use crate::fleet::steps::Steps;
use crate::fleet::{agents, plan, status, summary};
use crate::render::{self, progress::Style};

pub async fn rollout(a: &RolloutArgs, out: Output) -> anyhow::Result<()> {
    let (fleet, limit) = load(&a.fleet)?;
    can_ask("rollout", a.yes, "")?;
    let schemas = agents::schemas(&fleet.targets)?;
    // Targets already cut over need no plan: re-running continues.
    let reports = status::fetch(&fleet, limit).await;
    let done: Vec<bool> = reports
        .iter()
        .map(|r| r.as_ref().is_ok_and(|s| s.phase >= Phase::CutOver as i32))
        .collect();
    let planned = plan::fetch(&fleet, &schemas, limit).await;
    if out.json {
        let mut doc = plan::json(&fleet, &planned);
        if let Some(o) = doc.as_object_mut() {
            o.insert("event".into(), "plan".into());
        }
        render::json_line(&doc)?;
    } else {
        render::emit(&plan::lines(&fleet, &planned))?;
    }
    let blocked: Vec<&str> = fleet
        .targets
        .iter()
        .zip(&planned)
        .zip(&done)
        .filter(|((t, p), &d)| !d && p.blocker(t).is_some())
        .map(|((t, _), _)| t.name.as_str())
        .collect();
    if !blocked.is_empty() {
        return Err(failed(format!("nothing started: {} cannot run (see above); fix them or remove them from the fleet file", blocked.join(", "))));
    }
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
        label: rollout_id(),
        concurrency: limit,
        on_failure: fleet.on_failure,
        active: vec![true; fleet.targets.len()],
        cut_over: done,
    };
    let commands = Commands::new(&a.fleet.file);
    execute(&fleet, &schemas, plan, (&commands, goal), out).await
}

/// `fleet migrate|drain|cutover|verify`: one kind of step on the selected
/// targets (verify in no particular order: it changes no phase).
pub async fn step(a: &FleetStepArgs, steps: Steps, out: Output) -> anyhow::Result<()> {
    let (fleet, limit) = load(&a.fleet)?;
    let active = select(&fleet, &a.only)?;
    let schemas = if steps.migrate {
        agents::schemas(&fleet.targets)?
    } else {
        Vec::new()
    };
    let plan = schedule::Plan {
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
    schemas: &[SchemaSource],
    plan: schedule::Plan,
    (commands, goal): (&Commands, Goal),
    out: Output,
) -> anyhow::Result<()> {
    let id = plan.label.clone();
    let names = fleet.targets.iter().map(|t| t.name.clone()).collect();
    let dash = Arc::new(Dashboard::new(
        Style::pick(out.json),
        &id,
        names,
        &plan.active,
    ));
    dash.say(&format!(
        "rollout {id}: {} target(s), concurrency {}",
        plan.active.iter().filter(|a| **a).count(),
        plan.concurrency
    ));
    let outcomes = tokio::select! {
        o = schedule::run(fleet, schemas, &plan, dash.clone()) => o,
        () = crate::commands::follow::interrupt() => {
            dash.finish();
            return Err(error(Exit::Cancelled, "interrupted: running jobs go on on the agents; `mig fleet status` shows where each target is, `mig fleet rollout` continues, `mig fleet cancel` stops them"));
        }
    };
    dash.finish();
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

/// `r<unix seconds>-<4 hex>`: sortable, and unique enough per fleet.
fn rollout_id() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("r{secs}-{:04x}", rand::random::<u16>())
}
