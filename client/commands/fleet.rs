//! `mig fleet ...`: validates the fleet file and the flags (no I/O before
//! that), then plans, rolls out, reports or steps every target through
//! `crate::fleet`. The agents hold the truth; re-running continues.

use std::collections::HashSet;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use anyhow::Context;
use mig::proto::{JobRef, Phase, ResetRequest, SchemaSource};

use super::Output;
use crate::cli::{FleetAction, FleetArgs, FleetFileArgs, FleetStepArgs, GlobalArgs, RolloutArgs};
use crate::exit::{error, failed, usage, Exit};
use crate::fleet::dashboard::Dashboard;
use crate::fleet::driver::Steps;
use crate::fleet::file::Fleet;
use crate::fleet::{agents, plan, schedule, status, summary};
use crate::render::{self, progress::Style};

pub async fn run(args: &FleetArgs, global: &GlobalArgs, out: Output) -> anyhow::Result<()> {
    if global.agent.is_some()
        || global.database.is_some()
        || global.old.is_some()
        || global.new.is_some()
        || global.project.is_some()
    {
        return Err(usage("fleet commands take their agents and databases from the fleet file, not --agent/--database/--old/--new/-C"));
    }
    match &args.action {
        FleetAction::Plan(a) => plan_cmd(a, out).await,
        FleetAction::Rollout(a) => rollout(a, out).await,
        FleetAction::Status(a) => status_cmd(a, out).await,
        FleetAction::Migrate(a) => step(a, Steps::MIGRATE, out).await,
        FleetAction::Drain(a) => step(a, Steps::DRAIN, out).await,
        FleetAction::Cutover(a) => step(a, Steps::CUTOVER, out).await,
        FleetAction::Reset(a) => reset(a, out).await,
        FleetAction::Cancel(a) => cancel(a, out).await,
    }
}

/// The validated fleet file and the concurrency to use.
fn load(a: &FleetFileArgs) -> anyhow::Result<(Fleet, usize)> {
    let fleet = Fleet::load(&a.file).map_err(|e| usage(e.to_string()))?;
    let limit = a.concurrency.unwrap_or(fleet.concurrency);
    if limit == 0 {
        return Err(usage("--concurrency must be at least 1"));
    }
    Ok((fleet, limit))
}

/// Which targets `--only` selects (all when empty); unknown names refused.
fn select(fleet: &Fleet, only: &[String]) -> anyhow::Result<Vec<bool>> {
    if only.is_empty() {
        return Ok(vec![true; fleet.targets.len()]);
    }
    let wanted: HashSet<&str> = only.iter().map(String::as_str).collect();
    if let Some(unknown) = only.iter().find(|n| fleet.index(n).is_none()) {
        return Err(usage(format!("--only names unknown target {unknown:?}")));
    }
    Ok(fleet
        .targets
        .iter()
        .map(|t| wanted.contains(t.name.as_str()))
        .collect())
}

async fn plan_cmd(a: &FleetFileArgs, out: Output) -> anyhow::Result<()> {
    let (fleet, limit) = load(a)?;
    let schemas = agents::schemas(&fleet.targets)?;
    let planned = plan::fetch(&fleet, &schemas, limit).await;
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
    if blocked > 0 {
        return Err(failed(format!(
            "{blocked} of {} targets cannot run (listed above)",
            fleet.targets.len()
        )));
    }
    Ok(())
}

async fn status_cmd(a: &FleetFileArgs, out: Output) -> anyhow::Result<()> {
    let (fleet, limit) = load(a)?;
    let reports = status::fetch(&fleet, limit).await;
    if out.json {
        render::json_report(&status::json(&fleet, &reports))?;
    } else {
        render::emit(&status::lines(&fleet, &reports))?;
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

async fn rollout(a: &RolloutArgs, out: Output) -> anyhow::Result<()> {
    let (fleet, limit) = load(&a.fleet)?;
    if !a.yes && !std::io::stdin().is_terminal() {
        return Err(usage(
            "rollout asks for confirmation and stdin is not a terminal; pass --yes",
        ));
    }
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
    let steps = if a.postpone_cutover {
        Steps::POSTPONED
    } else {
        Steps::ROLLOUT
    };
    let plan = schedule::Plan {
        steps,
        label: rollout_id(),
        concurrency: limit,
        on_failure: fleet.on_failure,
        active: vec![true; fleet.targets.len()],
        cut_over: done,
    };
    execute(&fleet, &schemas, plan, out).await
}

async fn step(a: &FleetStepArgs, steps: Steps, out: Output) -> anyhow::Result<()> {
    let (fleet, limit) = load(&a.fleet)?;
    let active = select(&fleet, &a.only)?;
    let schemas = if steps.migrate {
        agents::schemas(&fleet.targets)?
    } else {
        Vec::new()
    };
    let plan = schedule::Plan {
        steps,
        label: rollout_id(),
        concurrency: limit,
        on_failure: fleet.on_failure,
        cut_over: vec![false; active.len()],
        active,
    };
    execute(&fleet, &schemas, plan, out).await
}

/// Runs the scheduler with the live dashboard, then the summary.
async fn execute(
    fleet: &Fleet,
    schemas: &[SchemaSource],
    plan: schedule::Plan,
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
        () = super::follow::interrupt() => {
            dash.finish();
            return Err(error(Exit::Cancelled, "interrupted: running jobs go on on the agents; `mig fleet status` shows where each target is, `mig fleet rollout` continues, `mig fleet cancel` stops them"));
        }
    };
    dash.finish();
    if out.json {
        render::json_line(&summary::json(fleet, &id, &outcomes))?;
    } else {
        render::emit(&summary::lines(fleet, &id, &outcomes))?;
    }
    summary::verdict(&outcomes)
}

async fn reset(a: &FleetStepArgs, out: Output) -> anyhow::Result<()> {
    let (fleet, limit) = load(&a.fleet)?;
    let active = select(&fleet, &a.only)?;
    let results = agents::each(&fleet.targets, limit, |i, t| {
        let act = active[i];
        async move {
            if !act {
                return Ok(None);
            }
            let mut client = agents::connect(&t).await?;
            let request = ResetRequest {
                database: t.database.clone(),
                dry_run: false,
            };
            Ok(Some(client.reset(request).await?.into_inner().actions))
        }
    })
    .await;
    report(
        &fleet,
        results
            .into_iter()
            .map(|r| {
                r.map_err(|e| e.message).map(|a| {
                    a.map(|a| {
                        if a.is_empty() {
                            "nothing to reset".into()
                        } else {
                            a.join("; ")
                        }
                    })
                })
            })
            .collect(),
        out,
    )
}

async fn cancel(a: &FleetStepArgs, out: Output) -> anyhow::Result<()> {
    let (fleet, limit) = load(&a.fleet)?;
    let active = select(&fleet, &a.only)?;
    let results = agents::each(&fleet.targets, limit, |i, t| {
        let act = active[i];
        async move {
            if !act {
                return Ok(None);
            }
            let mut client = agents::connect(&t).await?;
            let st = client
                .status(mig::proto::StatusRequest {
                    database: t.database.clone(),
                })
                .await?
                .into_inner();
            if st.phase >= Phase::CutOver as i32 {
                return Ok(Some("cut over; nothing to cancel".to_string()));
            }
            let Some(job) = st.running_job else {
                return Ok(Some("no running job; the old database serves".to_string()));
            };
            let request = JobRef {
                database: t.database.clone(),
                job_id: job.job_id.clone(),
            };
            client.cancel_job(request).await.context("cancelling")?;
            Ok(Some(format!(
                "cancelled job {}; the old database serves",
                job.job_id
            )))
        }
    })
    .await;
    let results = results
        .into_iter()
        .map(|r| r.map_err(|e| e.message))
        .collect();
    report(&fleet, results, out)
}

/// One line per target (`name: what happened`); exit 1 if any failed.
fn report(
    fleet: &Fleet,
    results: Vec<Result<Option<String>, String>>,
    out: Output,
) -> anyhow::Result<()> {
    let mut failures = 0;
    for (t, r) in fleet.targets.iter().zip(results) {
        let (ok, text) = match r {
            Ok(None) => continue,
            Ok(Some(text)) => (true, text),
            Err(e) => (false, e),
        };
        failures += usize::from(!ok);
        if out.json {
            render::json_line(&serde_json::json!({"target": t.name, "ok": ok, "detail": text}))?;
        } else {
            render::emit(&[format!(
                "{}: {}{text}",
                t.name,
                if ok { "" } else { "failed: " }
            )])?;
        }
    }
    if failures > 0 {
        return Err(failed(format!(
            "{failures} target(s) failed (listed above)"
        )));
    }
    Ok(())
}

/// Asks on stderr; true for `y` or `yes`.
fn confirm(question: &str) -> anyhow::Result<bool> {
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

/// `r<unix seconds>-<4 hex>`: sortable, and unique enough per fleet.
fn rollout_id() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("r{secs}-{:04x}", rand::random::<u16>())
}
