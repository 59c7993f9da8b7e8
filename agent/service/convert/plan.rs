//! `Plan`'s report on the wire: the mapping, the assessment (risks,
//! dependencies, violations, estimates, statistics) and a rehearsal.

use super::path_str;
use crate::engine::ops::PlanOutcome;
use crate::engine::plan::deps::Dependency;
use crate::engine::plan::estimate::Estimates;
use crate::engine::plan::precheck::Checked;
use crate::engine::plan::risk::{Finding, RiskLevel};
use crate::engine::plan::{ColumnSource, KeyMode, TablePlan};
use crate::engine::rehearse::Rehearsal;
use crate::proto as pb;

pub fn plan_report(database: &str, o: PlanOutcome) -> pb::PlanReport {
    let plan = o.plan;
    let a = o.assessment;
    pb::PlanReport {
        database: database.to_string(),
        schema_hash: plan.schema_hash.clone(),
        old_path: path_str(&o.old),
        new_path: path_str(&o.new),
        tables: plan.tables.iter().map(Into::into).collect(),
        data_loss: plan
            .data_loss
            .iter()
            .map(|d| pb::DataLoss {
                old_table: d.old_table.clone(),
                old_column: d.old_column.clone().unwrap_or_default(),
                rows: d.rows,
                unread: d.unread.clone().unwrap_or_default(),
            })
            .collect(),
        warnings: plan.warnings.iter().chain(&a.warnings).cloned().collect(),
        can_migrate: o.blockers.is_empty(),
        blockers: o.blockers,
        total_rows: plan.total_rows(),
        views: plan.views.clone(),
        triggers: plan.triggers.clone(),
        left_to_owner: plan
            .owned_tables
            .iter()
            .map(|t| pb::OwnedTable {
                table: t.name.clone(),
                owner: t.owner.clone(),
            })
            .collect(),
        statistics: Some(statistics_plan(&a.statistics)),
        same_schema: plan.same_schema,
        cut_over: o.cut_over,
        risk: Some(pb::Risk {
            level: risk_level(a.overall.level).into(),
            score: a.overall.score,
            reasons: a.overall.reasons.clone(),
        }),
        risks: a.findings.iter().map(Into::into).collect(),
        dependencies: a.dependencies.iter().map(Into::into).collect(),
        violations: violations(&a.constraints),
        estimates: Some(estimates(&a.estimates)),
        rehearsal: None,
        revert: o.revert.iter().map(super::revert::revertibility).collect(),
        // The service sets it from the database's configuration.
        default_revert_window_secs: 0,
    }
}

impl From<&TablePlan> for pb::TablePlan {
    fn from(t: &TablePlan) -> Self {
        pb::TablePlan {
            table: t.name.clone(),
            source_table: t.source.clone().unwrap_or_default(),
            key_mode: match t.key_mode {
                KeyMode::Preserved => pb::KeyMode::Preserved,
                KeyMode::Renumbered => pb::KeyMode::Renumbered,
                KeyMode::NewEmpty => pb::KeyMode::NewEmpty,
                KeyMode::Refused => pb::KeyMode::Refused,
            }
            .into(),
            source_rows: t.rows,
            columns: t
                .columns
                .iter()
                .map(|c| pb::ColumnPlan {
                    column: c.name.clone(),
                    expr: c.expr.clone().unwrap_or_default(),
                    source: column_source(&c.source).to_string(),
                    translated_via: c
                        .translate
                        .as_ref()
                        .map(|tr| tr.parent.clone())
                        .unwrap_or_default(),
                })
                .collect(),
            without_rowid: t.without_rowid,
            deferred_indexes: t.deferred_indexes.clone(),
            constant_key: t.constant_key.clone(),
        }
    }
}

impl From<&Finding> for pb::RiskFinding {
    fn from(f: &Finding) -> Self {
        pb::RiskFinding {
            rule: f.rule.to_string(),
            subject: f.subject.clone(),
            level: risk_level(f.level).into(),
            score: f.score,
            reason: f.reason.clone(),
        }
    }
}

impl From<&Dependency> for pb::Dependency {
    fn from(d: &Dependency) -> Self {
        pb::Dependency {
            kind: d.kind.to_string(),
            name: d.name.clone(),
            reads: d.reads.clone(),
            message: d.message.clone(),
        }
    }
}

fn risk_level(l: RiskLevel) -> pb::RiskLevel {
    match l {
        RiskLevel::Low => pb::RiskLevel::Low,
        RiskLevel::Medium => pb::RiskLevel::Medium,
        RiskLevel::High => pb::RiskLevel::High,
        RiskLevel::Critical => pb::RiskLevel::Critical,
    }
}

/// The checked constraints that old rows violate.
fn violations(checked: &[Checked]) -> Vec<pb::ConstraintViolation> {
    checked
        .iter()
        .filter(|c| c.rows > 0)
        .map(|c| pb::ConstraintViolation {
            table: c.table.clone(),
            old_table: c.old_table.clone(),
            constraint: c.constraint.clone(),
            rows: c.rows,
            example_keys: c.examples.shown().to_vec(),
            blocks: c.blocks,
            message: c.message(),
        })
        .collect()
}

fn estimates(e: &Estimates) -> pb::Estimates {
    pb::Estimates {
        tables: e
            .tables
            .iter()
            .map(|t| pb::TableEstimate {
                table: t.table.clone(),
                rows: t.rows,
                bytes: t.bytes,
                copy_seconds: t.copy_seconds,
                sampled_rows: t.sampled_rows,
            })
            .collect(),
        bytes_method: e.bytes_method.to_string(),
        old_bytes: e.old_bytes,
        copy_seconds: e.copy_seconds,
        disk_needed_bytes: e.disk_needed_bytes,
        disk_available_bytes: e.disk_available_bytes.unwrap_or(0),
    }
}

pub fn rehearsal(r: Rehearsal) -> pb::Rehearsal {
    pb::Rehearsal {
        sample_percent: r.sample_percent,
        succeeded: r.succeeded,
        error: r.error.unwrap_or_default(),
        snapshot_seconds: r.snapshot_seconds,
        migrate_seconds: r.migrate_seconds,
        drain_seconds: r.drain_seconds,
        cutover_seconds: r.cutover_seconds,
        rows_copied: r.rows_copied,
        tables: r
            .tables
            .into_iter()
            .map(|t| pb::RehearsalTable {
                table: t.table,
                old_rows: t.old_rows,
                new_rows: t.new_rows,
            })
            .collect(),
        snapshot_bytes: r.snapshot_bytes,
        new_db_bytes: r.new_db_bytes,
        violations: violations(&r.violations),
        sample: r
            .sample
            .into_iter()
            .map(|s| pb::SampledTable {
                table: s.table,
                rows: s.rows,
                kept: s.kept,
                referenced: s.referenced,
                whole: s.whole,
            })
            .collect(),
    }
}

fn column_source(s: &ColumnSource) -> &'static str {
    s.as_str()
}

fn statistics_plan(s: &crate::engine::statistics::StatisticsPlan) -> pb::StatisticsPlan {
    pb::StatisticsPlan {
        old_analyzed: s.old_analyzed,
        carried: s.carried.len() as u32,
        analyzed_indexes: s.analyze.iter().map(|(_, i, _)| i.clone()).collect(),
        analyze_rows: s.analyze_rows(),
        analyze_seconds_estimate: s.estimated_seconds(),
    }
}
