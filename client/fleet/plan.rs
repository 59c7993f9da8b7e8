//! `mig fleet plan` and the plan shown before a rollout: every agent asked
//! concurrently for its database's plan, one table of the answers, the
//! reasons an entry cannot run, and the execution order.

use mig::proto::{KeyMode, PlanReport, PlanRequest};
use serde_json::json;
use std::sync::Arc;

use super::agents::{self, Schemas, TargetError};
use super::file::{Fleet, FleetTarget};
use super::order;
use super::plan_progress::PlanProgress;
use super::table::table;
use crate::render::names;

/// One target's plan, or why it could not be had.
pub struct Planned {
    pub report: Result<PlanReport, TargetError>,
}

impl Planned {
    /// Why this entry cannot run, if it cannot.
    pub fn blocker(&self, t: &FleetTarget) -> Option<String> {
        match &self.report {
            Err(e) if e.unreachable => Some(format!("unreachable: {e}")),
            Err(e) => Some(format!("refused by the agent: {e}")),
            Ok(p) if !p.can_migrate => Some(match p.blockers.first() {
                Some(b) => format!("blocked: {b}"),
                None => "blocked: migrate could not run".into(),
            }),
            Ok(p) if p.same_schema && !t.allow_same_schema => Some(SAME_SCHEMA.into()),
            Ok(p) if !p.data_loss.is_empty() && !t.accept_data_loss => Some(loses_data(t, p)),
            Ok(p) if p.rehearsal.as_ref().is_some_and(|r| !r.succeeded) => Some(format!(
                "the rehearsal failed: {}",
                p.rehearsal.as_ref().map_or("", |r| r.error.as_str())
            )),
            Ok(_) => None,
        }
    }
}

/// A target whose database already has the schema: most often the wrong
/// `schema` in the fleet file, so it is not rebuilt unless asked.
const SAME_SCHEMA: &str = "blocked: its database already has this schema (nothing to migrate); check the `schema` this target is given, or set allow_same_schema = true for it to rebuild the database as it is";

/// What the plan would lose, and where to accept it: a database of a
/// many-database target needs a target of its own (accepting it on the
/// group would accept any loss on every database of it).
fn loses_data(t: &FleetTarget, p: &PlanReport) -> String {
    let lost: Vec<String> = p
        .data_loss
        .iter()
        .map(|d| match d.old_column.as_str() {
            "" => format!("table {} ({} rows)", d.old_table, d.rows),
            c => format!("column {}.{c} ({} rows)", d.old_table, d.rows),
        })
        .collect();
    let fix = match &t.group {
        Some(group) => format!(
            "give it a [[target]] of its own (`databases = [{:?}]`; {group:?} then leaves it out) with a schema that keeps that data, or accept_data_loss = true",
            t.database
        ),
        None => "keep that data in the schema, or set accept_data_loss = true for this target".into(),
    };
    format!("blocked: the plan loses {}; {fix}", lost.join(", "))
}

/// Asks every agent for its plan, `limit` at once (`json`: how progress
/// is shown, for many targets).
pub async fn fetch(
    targets: &[FleetTarget],
    schemas: &Schemas,
    limit: usize,
    json: bool,
) -> Vec<Planned> {
    fetch_with(targets, schemas, limit, (Rehearse::No, json)).await
}

/// Whether each plan also rehearses the migration on a copy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rehearse {
    No,
    /// On a copy keeping this percentage of each table's rows (100: all).
    OnCopy(f64),
}

/// Asks every agent for its plan (and rehearsal), `limit` at once, with
/// progress for many targets ([`PlanProgress`]).
pub async fn fetch_with(
    targets: &[FleetTarget],
    schemas: &Schemas,
    limit: usize,
    (rehearse, json): (Rehearse, bool),
) -> Vec<Planned> {
    let progress = PlanProgress::start(json, targets.len()).map(Arc::new);
    let results = agents::each(targets, limit, |_, t| {
        let schema = schemas.of(&t);
        let progress = progress.clone();
        async move {
            let planned = plan_one(t, schema, rehearse).await;
            if let Some(p) = &progress {
                p.one_done();
            }
            planned
        }
    })
    .await;
    if let Some(p) = &progress {
        p.finish();
    }
    results
        .into_iter()
        .map(|report| Planned { report })
        .collect()
}

async fn plan_one(
    t: FleetTarget,
    schema: Option<mig::proto::SchemaSource>,
    rehearse: Rehearse,
) -> anyhow::Result<PlanReport> {
    let mut client = agents::connect(&t).await?;
    let (rehearse, sample_percent) = match rehearse {
        Rehearse::No => (false, 0.0),
        Rehearse::OnCopy(p) => (true, p),
    };
    let request = PlanRequest {
        database: t.database.clone(),
        schema,
        ignore_tables: t.ignore_tables.clone(),
        rehearse,
        sample_percent,
    };
    Ok(client.plan(request).await?.into_inner())
}

/// The plan table, the reasons entries cannot run, and the order.
pub fn lines(fleet: &Fleet, planned: &[Planned]) -> Vec<String> {
    let header = [
        "TARGET",
        "AGENT",
        "DATABASE",
        "TABLES",
        "ROWS",
        "RENUMBERED",
        "DATA LOSS",
        "RISK",
        "CAN RUN",
    ];
    let mut rows = Vec::new();
    let mut reasons = Vec::new();
    for (t, p) in fleet.targets.iter().zip(planned) {
        let blocker = p.blocker(t);
        let can = match (&p.report, &blocker) {
            (Err(e), _) if e.unreachable => "unreachable",
            (Err(_), _) => "refused",
            (Ok(_), Some(_)) => "no",
            // Nothing to run: a rollout finds it cut over and goes on.
            (Ok(r), None) if r.cut_over => "done",
            (Ok(_), None) => "yes",
        };
        let (tables, total, renumbered, loss) = match &p.report {
            Ok(r) => cells(r),
            Err(_) => ["-".to_string(), "-".into(), "-".into(), "-".into()].into(),
        };
        let risk = p.report.as_ref().map_or("-".into(), risk);
        rows.push(vec![
            t.name.clone(),
            t.url.clone(),
            t.database.clone(),
            tables,
            total,
            renumbered,
            loss,
            risk,
            can.into(),
        ]);
        if let Some(b) = blocker {
            reasons.push(format!("  {}: {b}", t.name));
        }
    }
    let mut out = table(&header, &rows);
    if !reasons.is_empty() {
        out.push("cannot run:".into());
        out.extend(reasons);
    }
    out.extend(order::describe(&fleet.targets));
    out
}

/// `HIGH 55`: the target's overall risk level and score (see `mig plan`).
fn risk(r: &PlanReport) -> String {
    r.risk.as_ref().map_or("-".into(), |risk| {
        format!("{} {}", names::risk_level(risk.level), risk.score)
    })
}

fn cells(r: &PlanReport) -> (String, String, String, String) {
    let renumbered: Vec<&str> = r
        .tables
        .iter()
        .filter(|t| t.key_mode == KeyMode::Renumbered as i32)
        .map(|t| t.table.as_str())
        .collect();
    let loss = if r.data_loss.is_empty() {
        "none".to_string()
    } else {
        let rows: u64 = r.data_loss.iter().map(|d| d.rows).sum();
        format!("{} items, {rows} rows", r.data_loss.len())
    };
    let renumbered = if renumbered.is_empty() {
        "none".to_string()
    } else {
        renumbered.join(",")
    };
    (
        r.tables.len().to_string(),
        r.total_rows.to_string(),
        renumbered,
        loss,
    )
}

/// The same as one JSON document: each target's plan or error.
pub fn json(fleet: &Fleet, planned: &[Planned]) -> serde_json::Value {
    let targets: Vec<serde_json::Value> = fleet
        .targets
        .iter()
        .zip(planned)
        .map(|(t, p)| {
            let (plan, error) = match &p.report {
                Ok(r) => (serde_json::to_value(r).unwrap_or_default(), None),
                Err(e) => (serde_json::Value::Null, Some(e.message.clone())),
            };
            json!({
                "target": t.name,
                "agent": t.url,
                "database": t.database,
                "wave": t.wave,
                "unreachable": p.report.as_ref().is_err_and(|e| e.unreachable),
                "depends_on": t.depends_on,
                "can_run": p.blocker(t).is_none(),
                "blocker": p.blocker(t),
                "error": error,
                "plan": plan,
            })
        })
        .collect();
    json!({ "targets": targets })
}
