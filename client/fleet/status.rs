//! `mig fleet status`: every target's phase as its agent reports it. The
//! agents hold the truth; the client keeps no rollout state of its own.

use mig::proto::{StatusReport, StatusRequest};
use serde_json::json;

use super::agents::{self, TargetError};
use super::expand::is_cut_over;
use super::file::{Fleet, FleetTarget};
use super::next::{self, Commands};
use super::table::table;
use crate::render::names;

/// Every target's status, or why it could not be had, in target order.
pub async fn fetch(
    targets: &[FleetTarget],
    limit: usize,
) -> Vec<Result<StatusReport, TargetError>> {
    agents::each(targets, limit, |_, t| async move {
        let mut client = agents::connect(&t).await?;
        let request = StatusRequest {
            database: t.database.clone(),
        };
        Ok(client.status(request).await?.into_inner())
    })
    .await
}

/// The first dependency of `t` not reported cut over.
fn waits_for<'a>(
    fleet: &'a Fleet,
    reports: &[Result<StatusReport, TargetError>],
    t: &'a FleetTarget,
) -> Option<&'a str> {
    t.depends_on
        .iter()
        .find(|d| {
            let report = fleet.index(d).and_then(|j| reports.get(j));
            !report.is_some_and(|r| r.as_ref().is_ok_and(|s| is_cut_over(Some(s.phase))))
        })
        .map(String::as_str)
}

/// One row per target: phase, running job, pending replay, lag, and the
/// fleet command to run next.
pub fn lines(
    fleet: &Fleet,
    reports: &[Result<StatusReport, TargetError>],
    commands: &Commands,
) -> Vec<String> {
    let header = [
        "TARGET", "WAVE", "AGENT", "DATABASE", "PHASE", "JOB", "PENDING", "LAG", "NEXT",
    ];
    let rows: Vec<Vec<String>> = fleet
        .targets
        .iter()
        .zip(reports)
        .map(|(t, r)| {
            let mut row = vec![
                t.name.clone(),
                t.wave.to_string(),
                t.url.clone(),
                t.database.clone(),
            ];
            match r {
                Ok(s) => row.extend([
                    names::phase(s.phase).to_string(),
                    s.running_job.as_ref().map_or("-".into(), |j| {
                        format!("{} {}", names::job_kind(j.kind), names::job_state(j.state))
                    }),
                    s.pending_replay.map_or("-".into(), |p| p.to_string()),
                    format!("{:.1}s", s.replay_lag_seconds),
                    next::for_target(commands, &t.name, s, waits_for(fleet, reports, t)),
                ]),
                Err(e) => row.extend([
                    if e.unreachable {
                        "unreachable"
                    } else {
                        "refused"
                    }
                    .to_string(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    e.message.clone(),
                ]),
            }
            row
        })
        .collect();
    table(&header, &rows)
}

/// How many targets are in each phase (unreachable and refused included),
/// for the line above the table and the JSON totals.
pub fn counts(reports: &[Result<StatusReport, TargetError>]) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for r in reports {
        let name = match r {
            Ok(s) => names::phase(s.phase).to_string(),
            Err(e) if e.unreachable => "unreachable".into(),
            Err(_) => "refused".into(),
        };
        match counts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, c)) => *c += 1,
            None => counts.push((name, 1)),
        }
    }
    counts
}

/// `12 targets: 9 cut over, 2 recording, 1 unreachable`.
pub fn counts_line(reports: &[Result<StatusReport, TargetError>]) -> String {
    let parts: Vec<String> = counts(reports)
        .iter()
        .map(|(n, c)| format!("{c} {n}"))
        .collect();
    format!("{} targets: {}", reports.len(), parts.join(", "))
}

/// One JSON object per target, in fleet order, then a `totals` object:
/// a script reads them line by line, whatever the number of targets.
pub fn json_lines(
    fleet: &Fleet,
    reports: &[Result<StatusReport, TargetError>],
) -> Vec<serde_json::Value> {
    let mut lines: Vec<serde_json::Value> = json(fleet, reports)["targets"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let phases: serde_json::Map<String, serde_json::Value> = counts(reports)
        .into_iter()
        .map(|(n, c)| (n, c.into()))
        .collect();
    lines.push(json!({"event": "totals", "targets": reports.len(), "phases": phases}));
    lines
}

/// The same as one JSON document.
fn json(fleet: &Fleet, reports: &[Result<StatusReport, TargetError>]) -> serde_json::Value {
    let targets: Vec<serde_json::Value> = fleet
        .targets
        .iter()
        .zip(reports)
        .map(|(t, r)| {
            let (status, error) = match r {
                Ok(s) => (serde_json::to_value(s).unwrap_or_default(), None),
                Err(e) => (serde_json::Value::Null, Some(e.message.clone())),
            };
            json!({
                "target": t.name,
                "agent": t.url,
                "database": t.database,
                "wave": t.wave,
                "unreachable": r.as_ref().is_err_and(|e| e.unreachable),
                "phase": r.as_ref().ok().map(|s| names::phase(s.phase)),
                "error": error,
                "status": status,
            })
        })
        .collect();
    json!({ "targets": targets })
}
