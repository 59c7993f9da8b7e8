//! `mig fleet cleanup-old`: drops the migration tables from every selected
//! cut-over target's old database, one line per target. Resolved like the
//! rollout, with its lines: a tenant removed since the rollout froze its
//! set is left out by name. Without `--close-revert-window`, targets whose
//! revert window is open are decided up front from the phases the agents
//! list (one call per agent) and refused in one line, not one round trip
//! and one identical refusal each; a lone one still gets its agent's line.

use mig::proto::{CleanupOldRequest, Phase, StatusReport, StatusRequest};

use super::oneshot::report;
use super::resolve::{self, Freeze};
use super::runs::phases;
use super::select;
use crate::cli::FleetCleanupOldArgs;
use crate::commands::Output;
use crate::exit::failed;
use crate::fleet::agents;
use crate::fleet::file::{Fleet, FleetTarget};
use crate::fleet::status;
use crate::render;

pub async fn cleanup_old(c: &FleetCleanupOldArgs, out: Output) -> anyhow::Result<()> {
    let (a, close) = (&c.step, c.window.close_revert_window);
    let r = resolve::resolve(&a.fleet, Freeze::Read).await?;
    if !out.json {
        render::emit(&r.notes)?;
    }
    let (fleet, limit) = (&r.fleet, r.limit);
    let mut active = select(fleet, &a.only)?;
    let phases = phases(fleet, &r.listing, limit).await;
    let open: Vec<usize> = (0..active.len())
        .filter(|&i| active[i] && !close)
        .filter(|&i| phases[i] == Some(Phase::Standby as i32))
        .collect();
    // One open window alone keeps its agent's own line (what it would end).
    let open_line = match open.len() {
        0 | 1 => None,
        _ => Some(windows_open(fleet, &open, limit).await),
    };
    if let Some(line) = &open_line {
        for &i in &open {
            active[i] = false;
        }
        if !active.iter().any(|a| *a) {
            return Err(failed(format!("nothing cleaned up: {line}")));
        }
        say(line, out)?;
    }
    let results = agents::each(&fleet.targets, limit, |i, t| {
        let selected = active.get(i).copied().unwrap_or(false);
        async move {
            if !selected {
                return Ok(None);
            }
            let mut client = agents::connect(&t).await?;
            let request = StatusRequest {
                database: t.database.clone(),
            };
            let st = client.status(request).await?.into_inner();
            clean_one(&t, client, st, close).await
        }
    })
    .await;
    let results = results
        .into_iter()
        .map(|r| r.map_err(|e| e.message))
        .collect();
    let done = report(fleet, results, out);
    match (open_line, done) {
        (Some(line), Ok(())) => Err(failed(format!(
            "{} target(s) not cleaned up: {line}",
            open.len()
        ))),
        (_, done) => done,
    }
}

/// One target: skipped with a line unless cut over; cleaned up otherwise.
async fn clean_one(
    t: &FleetTarget,
    mut client: mig::proto::migrator_client::MigratorClient<tonic::transport::Channel>,
    st: StatusReport,
    close_revert_window: bool,
) -> anyhow::Result<Option<String>> {
    match Phase::try_from(st.phase).unwrap_or(Phase::Unspecified) {
        Phase::Complete | Phase::Retired => return Ok(Some("already cleaned up".to_string())),
        Phase::CutOver | Phase::Standby => {}
        // Reverted on purpose: the old database serves again and has
        // nothing to clean up; a cutover would undo the revert.
        Phase::Reverted => {
            return Ok(Some(
                "reverted: its old database serves and has nothing to clean up (nothing was done)"
                    .to_string(),
            ))
        }
        _ => {
            return Err(failed(
                "not cut over yet: `mig fleet cutover` first (nothing was done)",
            ))
        }
    }
    let r = client
        .cleanup_old(CleanupOldRequest {
            database: t.database.clone(),
            release: false,
            close_revert_window,
            check_only: false,
        })
        .await?
        .into_inner();
    Ok(Some(format!(
        "cleaned up the old database: dropped {} trigger(s){}{}",
        r.dropped_triggers,
        if r.dropped_log { ", the log" } else { "" },
        if r.dropped_marker { ", the marker" } else { "" }
    )))
}

/// The one line for targets whose revert window is open: how many, until
/// when (one status read per agent, of its last such target in the run's
/// order), and what to do.
async fn windows_open(fleet: &Fleet, open: &[usize], limit: usize) -> String {
    let mut last_per_agent: Vec<FleetTarget> = Vec::new();
    for &i in open.iter().rev() {
        let t = &fleet.targets[i];
        if !last_per_agent.iter().any(|s| s.url == t.url) {
            last_per_agent.push(t.clone());
        }
    }
    let reports = status::fetch(&last_per_agent, limit).await;
    let mut until: Vec<String> = last_per_agent
        .iter()
        .zip(reports)
        .filter_map(|(t, r)| {
            let w = r.ok()?.revert_window?;
            (!w.closes_at.is_empty()).then(|| format!("{}'s until {}", t.name, w.closes_at))
        })
        .collect();
    until.truncate(3);
    let until = if until.is_empty() {
        String::new()
    } else {
        format!(" ({})", until.join(", "))
    };
    format!(
        "{} target(s) keep their revert window open{until}: cleaning up would end the way back (`mig fleet revert`); pass --close-revert-window to close the windows and clean up, or run this again once they close (nothing was done to them)",
        open.len()
    )
}

fn say(line: &str, out: Output) -> anyhow::Result<()> {
    if out.json {
        render::json_line(&serde_json::json!({"windows_open": line}))
    } else {
        render::emit(&[line.to_string()])
    }
}
