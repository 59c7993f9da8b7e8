//! The plan a rollout shows before it asks, and its gate: nothing starts
//! while a planned target cannot run. With `--rehearse-all` every database
//! not cut over is planned (and, with `--rehearse`, rehearsed on a copy by
//! its agent) — one failing tenant stops the whole rollout before anything
//! is touched. Without it, a target naming many databases is planned on its
//! first database not cut over: `migrate` runs the same pre-check on each
//! one before creating anything, so a blocked one fails alone.

use std::collections::HashSet;

use crate::commands::Output;
use crate::exit::failed;
use crate::fleet::agents::Schemas;
use crate::fleet::file::Fleet;
use crate::fleet::plan::{self, Planned, Rehearse};
use crate::render;

/// Plans of more targets than this are summed up, not tabled.
const TABLE_MAX: usize = 50;
/// Reasons listed by name at most (the rest are counted).
const REASONS_MAX: usize = 20;

/// Plans the targets the rollout is about to start and refuses the whole
/// rollout when one cannot run. `(all, rehearse)`: plan every database,
/// and how.
pub async fn check(
    fleet: &Fleet,
    schemas: &Schemas,
    done: &[bool],
    (all, rehearse): (bool, Rehearse),
    limit: usize,
    out: Output,
) -> anyhow::Result<()> {
    let mut sampled = HashSet::new();
    let chosen: Vec<usize> = (0..fleet.targets.len())
        .filter(|&i| !done.get(i).copied().unwrap_or(false))
        .filter(|&i| match &fleet.targets[i].group {
            None => true,
            Some(g) => all || sampled.insert(g.clone()),
        })
        .collect();
    let planned_fleet = Fleet {
        targets: chosen.iter().map(|&i| fleet.targets[i].clone()).collect(),
        ..fleet.clone()
    };
    let rehearse = if all { rehearse } else { Rehearse::No };
    let planned =
        plan::fetch_with(&planned_fleet.targets, schemas, limit, (rehearse, out.json)).await;
    show(&planned_fleet, &planned, all, out)?;
    let blocked: Vec<String> = planned_fleet
        .targets
        .iter()
        .zip(&planned)
        .filter_map(|(t, p)| p.blocker(t).map(|_| t.name.clone()))
        .collect();
    if blocked.is_empty() {
        return Ok(());
    }
    let names = if blocked.len() > REASONS_MAX {
        format!(
            "{} and {} more",
            blocked[..REASONS_MAX].join(", "),
            blocked.len() - REASONS_MAX
        )
    } else {
        blocked.join(", ")
    };
    Err(failed(format!(
        "nothing started: {} of {} planned target(s) cannot run ({names}; see above); fix them or remove them from the fleet file",
        blocked.len(),
        planned.len()
    )))
}

/// The plan table for a few targets; for many, a count and the reasons.
fn show(fleet: &Fleet, planned: &[Planned], all: bool, out: Output) -> anyhow::Result<()> {
    if out.json {
        let mut doc = plan::json(fleet, planned);
        if let Some(o) = doc.as_object_mut() {
            o.insert("event".into(), "plan".into());
        }
        return render::json_line(&doc);
    }
    if fleet.targets.len() <= TABLE_MAX {
        return render::emit(&plan::lines(fleet, planned));
    }
    let reasons: Vec<String> = fleet
        .targets
        .iter()
        .zip(planned)
        .filter_map(|(t, p)| p.blocker(t).map(|b| format!("  {}: {b}", t.name)))
        .collect();
    let what = if all {
        "every database"
    } else {
        "one database per target"
    };
    let mut lines = vec![format!(
        "planned {} target(s) ({what}): {} can run, {} cannot",
        planned.len(),
        planned.len() - reasons.len(),
        reasons.len()
    )];
    if !reasons.is_empty() {
        lines.push("cannot run:".into());
        lines.extend(reasons.iter().take(REASONS_MAX).cloned());
        if reasons.len() > REASONS_MAX {
            lines.push(format!("  ... and {} more", reasons.len() - REASONS_MAX));
        }
    }
    render::emit(&lines)
}
