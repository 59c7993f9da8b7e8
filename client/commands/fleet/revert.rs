//! `mig fleet revert`: the rollback of a fleet within its revert windows.
//! Asks every selected target's agent where it stands, shows the order
//! (the rollout's, reversed) and what each target would do, and refuses
//! the whole rollback, changing nothing, while one target cannot be
//! reverted. Then reverts on the rollout's scheduler in
//! [`Order::Reverse`]: the last wave first, a target once the targets that
//! depend on it are reverted, the targets of a wave at once up to
//! `--concurrency`, with the live dashboard; a failure stops what has not
//! started (`on_failure`, `--max-failures`), since a target must not go
//! back before what depends on it. Re-runnable: a reverted target is
//! skipped.

use mig::proto::StatusRequest;

use super::resolve::rollout_id;
use super::runs::scheduled;
use super::{can_ask, confirm, load, select};
use crate::cli::FleetRevertArgs;
use crate::commands::Output;
use crate::exit::{error, failed, usage, Exit};
use crate::fleet::agents::{self, Schemas};
use crate::fleet::dashboard::Run;
use crate::fleet::file::{FailureLimit, Fleet};
use crate::fleet::revert::{order, verdict, Verdict};
use crate::fleet::schedule::{self, Order};
use crate::fleet::state::{Outcome, State};
use crate::fleet::steps::{Conflicts, NewColumns, Steps};
use crate::fleet::summary;
use crate::render;

pub async fn run(r: &FleetRevertArgs, out: Output) -> anyhow::Result<()> {
    let a = &r.undo;
    let max_failures = match r.max_failures.as_deref() {
        Some(t) => Some(FailureLimit::parse(t).ok_or_else(|| {
            usage(format!(
                "--max-failures {t:?}: write a count (10) or a percentage (5%)"
            ))
        })?),
        None => None,
    };
    if !a.dry_run {
        can_ask(
            "fleet revert",
            a.yes,
            ", or --dry-run to see what it would do",
        )?;
    }
    let conflicts = if r.discard_conflicts {
        Conflicts::Discard
    } else {
        Conflicts::Refuse
    };
    let (fleet, limit) = load(&a.fleet).await?;
    let active = select(&fleet, &a.only)?;
    let verdicts = survey(&fleet, limit, &active, conflicts).await;
    let steps: Vec<(usize, Verdict)> = order(&fleet.targets)
        .into_iter()
        .filter_map(|i| verdicts[i].clone().map(|v| (i, v)))
        .collect();
    show(&fleet, &steps, out)?;
    let refused = steps
        .iter()
        .filter(|(_, v)| matches!(v, Verdict::Refuse(_)))
        .count();
    if refused > 0 {
        return Err(failed(format!(
            "nothing reverted: {refused} target(s) cannot be reverted (listed above); resolve them, or leave them out with --only"
        )));
    }
    let mut todo = vec![false; fleet.targets.len()];
    for (i, v) in &steps {
        todo[*i] = matches!(v, Verdict::Revert(_));
    }
    let count = todo.iter().filter(|t| **t).count();
    if a.dry_run || count == 0 {
        if count == 0 {
            say(out, "nothing to revert")?;
        }
        return Ok(());
    }
    if !a.yes
        && !confirm(&format!(
            "revert {count} target(s) in this order (their new databases stop taking writes)?"
        ))?
    {
        return Err(error(
            Exit::Cancelled,
            "fleet revert not confirmed; nothing changed",
        ));
    }
    let plan = schedule::Plan {
        steps: Steps {
            new_columns: if r.new_columns.drop_new_columns {
                NewColumns::Drop
            } else {
                NewColumns::Refuse
            },
            ..Steps::revert(conflicts)
        },
        order: Order::Reverse,
        label: rollout_id(),
        concurrency: limit,
        on_failure: fleet.on_failure,
        max_failures: max_failures.or(fleet.max_failures),
        cut_over: vec![false; todo.len()],
        active: todo,
    };
    let outcomes = scheduled(&fleet, &Schemas::default(), &plan, out, Run::Revert).await?;
    if out.json {
        render::json_line(&summary::json(&fleet, &plan.label, &outcomes))?;
    } else {
        render::emit(&summary::lines(
            &fleet,
            &format!("revert {}", plan.label),
            &outcomes,
        ))?;
    }
    ended(&outcomes, steps.len() - count, out)
}

/// Each selected target's verdict (`None`: not selected), asked of the
/// agents concurrently.
async fn survey(
    fleet: &Fleet,
    limit: usize,
    active: &[bool],
    conflicts: Conflicts,
) -> Vec<Option<Verdict>> {
    let reports = agents::each(&fleet.targets, limit, |i, t| {
        let act = active.get(i).copied().unwrap_or(false);
        async move {
            if !act {
                return Ok(None);
            }
            let mut client = agents::connect(&t).await?;
            let request = StatusRequest {
                database: t.database.clone(),
            };
            Ok(Some(client.status(request).await?.into_inner()))
        }
    })
    .await;
    fleet
        .targets
        .iter()
        .zip(reports)
        .map(|(t, r)| match r {
            Ok(None) => None,
            Ok(Some(s)) => Some(verdict(t, Ok(&s), conflicts)),
            Err(e) => Some(verdict(t, Err(&e.message), conflicts)),
        })
        .collect()
}

/// The rollback plan: the order, then one line per target.
fn show(fleet: &Fleet, steps: &[(usize, Verdict)], out: Output) -> anyhow::Result<()> {
    let names: Vec<&str> = steps
        .iter()
        .map(|(i, _)| fleet.targets[*i].name.as_str())
        .collect();
    if !out.json {
        say(
            out,
            &format!("rollback order, last wave first: {}", names.join(", ")),
        )?;
    }
    for (i, v) in steps {
        let t = &fleet.targets[*i];
        let (action, text) = match v {
            Verdict::Revert(d) => ("revert", format!("would revert: {d}")),
            Verdict::Skip(d) => ("skip", format!("skipped: {d}")),
            Verdict::Refuse(d) => ("refuse", format!("cannot revert: {d}")),
        };
        if out.json {
            render::json_line(&serde_json::json!({
                "event": "plan", "target": t.name, "wave": t.wave, "action": action, "detail": text,
            }))?;
        } else {
            render::emit(&[format!("  {} (wave {}): {text}", t.name, t.wave)])?;
        }
    }
    Ok(())
}

/// The last line and the exit status: 0 only when every target reverted.
fn ended(outcomes: &[Option<Outcome>], skipped_before: usize, out: Output) -> anyhow::Result<()> {
    let count = |s: State| outcomes.iter().flatten().filter(|o| o.state == s).count();
    let (reverted, failed_n) = (count(State::Reverted), count(State::Failed));
    let (cancelled, skipped) = (
        count(State::Cancelled),
        count(State::Skipped) + count(State::Held),
    );
    if failed_n + cancelled + skipped == 0 {
        return say(
            out,
            &format!(
                "reverted {reverted} target(s), {skipped_before} skipped: their old databases take writes again"
            ),
        );
    }
    let text = format!(
        "fleet revert stopped: {reverted} target(s) reverted, {failed_n} failed, {cancelled} cancelled, {skipped} not started (listed above); the new databases of those not reverted keep serving: fix what failed and run `mig fleet revert` again"
    );
    Err(if failed_n > 0 {
        failed(text)
    } else {
        error(Exit::Cancelled, text)
    })
}

fn say(out: Output, line: &str) -> anyhow::Result<()> {
    if out.json {
        render::json_line(&serde_json::json!({"event": "summary", "detail": line}))
    } else {
        render::emit(&[line.to_string()])
    }
}
