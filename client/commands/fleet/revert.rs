//! `mig fleet revert`: the rollback of a fleet within its revert windows.
//! Asks every selected target's agent where it stands, shows the order
//! (the rollout's, reversed) and what each target would do, and refuses
//! the whole rollback, changing nothing, while one target cannot be
//! reverted. Then reverts one target at a time and stops at the first
//! failure: the order is the point (a dependent goes back before what it
//! depends on), so nothing after a failure is touched. Re-runnable: a
//! reverted target is skipped.

use mig::proto::job_completed::Summary;
use mig::proto::job_event::Event;
use mig::proto::{RevertRequest, RevertSummary, StatusRequest};

use super::{can_ask, confirm, load, select};
use crate::cli::FleetUndoArgs;
use crate::commands::Output;
use crate::exit::{code_from_name, error, failed, for_code, Exit};
use crate::fleet::agents;
use crate::fleet::file::{Fleet, FleetTarget};
use crate::fleet::revert::{order, verdict, Verdict};
use crate::render;

pub async fn run(a: &FleetUndoArgs, out: Output) -> anyhow::Result<()> {
    if !a.dry_run {
        can_ask(
            "fleet revert",
            a.yes,
            ", or --dry-run to see what it would do",
        )?;
    }
    let (fleet, limit) = load(&a.fleet).await?;
    let active = select(&fleet, &a.only)?;
    let verdicts = survey(&fleet, limit, &active).await;
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
    let todo: Vec<usize> = steps
        .iter()
        .filter(|(_, v)| matches!(v, Verdict::Revert(_)))
        .map(|(i, _)| *i)
        .collect();
    if a.dry_run || todo.is_empty() {
        if todo.is_empty() {
            say(out, "nothing to revert")?;
        }
        return Ok(());
    }
    if !a.yes
        && !confirm(&format!(
            "revert {} target(s) in this order (their new databases stop taking writes)?",
            todo.len()
        ))?
    {
        return Err(error(
            Exit::Cancelled,
            "fleet revert not confirmed; nothing changed",
        ));
    }
    execute(&fleet, &todo, steps.len() - todo.len(), out).await
}

/// Each selected target's verdict (`None`: not selected), asked of the
/// agents concurrently.
async fn survey(fleet: &Fleet, limit: usize, active: &[bool]) -> Vec<Option<Verdict>> {
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
            Ok(Some(s)) => Some(verdict(t, Ok(&s))),
            Err(e) => Some(verdict(t, Err(&e.message))),
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

/// Reverts `todo` in order; at the first failure, the rest are listed as
/// not reverted and nothing more is done.
async fn execute(fleet: &Fleet, todo: &[usize], skipped: usize, out: Output) -> anyhow::Result<()> {
    for (k, &i) in todo.iter().enumerate() {
        let t = &fleet.targets[i];
        match revert_one(t).await {
            Ok(s) => result(out, &t.name, true, &reverted(&s))?,
            Err(e) => {
                result(
                    out,
                    &t.name,
                    false,
                    &format!("failed: {}", crate::exit::message(&e)),
                )?;
                for &j in &todo[k + 1..] {
                    let why = format!(
                        "not reverted: stopped after {} failed (the order matters); fix it and run `mig fleet revert` again",
                        t.name
                    );
                    result(out, &fleet.targets[j].name, false, &why)?;
                }
                return Err(failed(format!(
                    "fleet revert stopped at {}: {k} of {} target(s) reverted (listed above)",
                    t.name,
                    todo.len()
                )));
            }
        }
    }
    say(
        out,
        &format!(
            "reverted {} target(s), {skipped} skipped: their old databases take writes again",
            todo.len()
        ),
    )
}

/// One `Revert` job, followed to its end.
async fn revert_one(t: &FleetTarget) -> anyhow::Result<RevertSummary> {
    let mut client = agents::connect(t).await?;
    let request = RevertRequest {
        database: t.database.clone(),
        detach: false,
        discard_conflicts: false,
    };
    let mut stream = client.revert(request).await?.into_inner();
    while let Some(ev) = stream.message().await? {
        match ev.event {
            Some(Event::Completed(c)) => {
                return match c.summary {
                    Some(Summary::Revert(s)) => Ok(s),
                    _ => Ok(RevertSummary::default()),
                }
            }
            Some(Event::Failed(f)) => {
                return Err(error(for_code(code_from_name(&f.code)), f.message))
            }
            Some(Event::Cancelled(c)) => {
                return Err(error(Exit::Cancelled, format!("cancelled: {}", c.message)))
            }
            _ => {}
        }
    }
    Err(error(
        Exit::Unavailable,
        "the agent ended the revert stream before the revert finished; `mig fleet status` shows where it is",
    ))
}

/// What a finished revert did, in one line.
fn reverted(s: &RevertSummary) -> String {
    let mut text = format!(
        "reverted: {} write(s) carried back, {} rows in {} tables verified, writes refused for {:.1} ms",
        s.entries_replayed, s.verified_rows, s.verified_tables, s.refused_ms
    );
    if !s.left_behind.is_empty() {
        text.push_str(&format!(
            "; left behind (no place in the old schema): {}",
            s.left_behind.join(", ")
        ));
    }
    text
}

fn result(out: Output, target: &str, ok: bool, detail: &str) -> anyhow::Result<()> {
    if out.json {
        render::json_line(&serde_json::json!({"target": target, "ok": ok, "detail": detail}))
    } else {
        render::emit(&[format!("{target}: {detail}")])
    }
}

fn say(out: Output, line: &str) -> anyhow::Result<()> {
    if out.json {
        render::json_line(&serde_json::json!({"event": "summary", "detail": line}))
    } else {
        render::emit(&[line.to_string()])
    }
}
