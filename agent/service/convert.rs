//! Engine and jobs types to `mig.v1` messages: the one place that
//! translates between the domain and the wire.

use std::path::Path;

use crate::engine::ops::{
    CleanupReport, CutoverReport, DrainSummary, MigrateSummary, PlanOutcome, ResetReport,
    VerifyStage, VerifySummary,
};
use crate::engine::plan::estimate::Estimates;
use crate::engine::plan::precheck::Checked;
use crate::engine::plan::risk::RiskLevel;
use crate::engine::plan::{ColumnSource, KeyMode};
use crate::engine::record::MarkerStatus;
use crate::engine::rehearse::Rehearsal;
use crate::engine::state::Phase;
use crate::engine::status::Status;
use crate::engine::verify::queries::QueryTiming;
use crate::engine::{new_side, Event};
use crate::jobs::rate::Estimate;
use crate::jobs::{EventBody, JobEvent, JobKind, JobSnapshot, JobState, Summary};
use crate::proto as pb;

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

impl From<Phase> for pb::Phase {
    fn from(p: Phase) -> Self {
        match p {
            Phase::NotStarted => pb::Phase::NotStarted,
            Phase::Copying => pb::Phase::Copying,
            Phase::Recording => pb::Phase::Recording,
            Phase::Draining => pb::Phase::Draining,
            Phase::Drained => pb::Phase::Drained,
            Phase::CutOver => pb::Phase::CutOver,
            Phase::Complete => pb::Phase::Complete,
            Phase::Broken => pb::Phase::Broken,
            Phase::Standby => pb::Phase::Standby,
            Phase::Reverting => pb::Phase::Reverting,
            Phase::Reverted => pb::Phase::Reverted,
            Phase::Retired => pb::Phase::Retired,
        }
    }
}

impl From<JobKind> for pb::JobKind {
    fn from(k: JobKind) -> Self {
        match k {
            JobKind::Migrate => pb::JobKind::Migrate,
            JobKind::Drain => pb::JobKind::Drain,
            JobKind::Verify => pb::JobKind::Verify,
            JobKind::Revert => pb::JobKind::Revert,
        }
    }
}

impl From<JobState> for pb::JobState {
    fn from(s: JobState) -> Self {
        match s {
            JobState::Running => pb::JobState::Running,
            JobState::Paused => pb::JobState::Paused,
            JobState::Completed => pb::JobState::Completed,
            JobState::Failed => pb::JobState::Failed,
            JobState::Cancelled => pb::JobState::Cancelled,
        }
    }
}

impl From<JobSnapshot> for pb::JobInfo {
    fn from(j: JobSnapshot) -> Self {
        pb::JobInfo {
            job_id: j.id,
            database: j.database,
            kind: pb::JobKind::from(j.kind).into(),
            state: pb::JobState::from(j.state).into(),
            started_unix_ms: j.started_unix_ms,
            last_seq: j.last_seq,
            started_by: j.started_by,
        }
    }
}

pub fn plan_report(database: &str, o: PlanOutcome) -> pb::PlanReport {
    let plan = o.plan;
    let a = o.assessment;
    let tables = plan
        .tables
        .iter()
        .map(|t| pb::TablePlan {
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
        })
        .collect();
    pb::PlanReport {
        database: database.to_string(),
        schema_hash: plan.schema_hash.clone(),
        old_path: path_str(&o.old),
        new_path: path_str(&o.new),
        tables,
        data_loss: plan
            .data_loss
            .iter()
            .map(|d| pb::DataLoss {
                old_table: d.old_table.clone(),
                old_column: d.old_column.clone().unwrap_or_default(),
                rows: d.rows,
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
        risk: Some(pb::Risk {
            level: risk_level(a.overall.level).into(),
            score: a.overall.score,
            reasons: a.overall.reasons.clone(),
        }),
        risks: a
            .findings
            .iter()
            .map(|f| pb::RiskFinding {
                rule: f.rule.to_string(),
                subject: f.subject.clone(),
                level: risk_level(f.level).into(),
                score: f.score,
                reason: f.reason.clone(),
            })
            .collect(),
        dependencies: a
            .dependencies
            .iter()
            .map(|d| pb::Dependency {
                kind: d.kind.to_string(),
                name: d.name.clone(),
                reads: d.reads.clone(),
                message: d.message.clone(),
            })
            .collect(),
        violations: violations(&a.constraints),
        estimates: Some(estimates(&a.estimates)),
        rehearsal: None,
        revert: o
            .revert
            .iter()
            .map(super::convert_revert::revertibility)
            .collect(),
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
            example_keys: c.examples.clone(),
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

pub fn throttle_state(t: &crate::engine::throttle::ThrottleReport) -> pb::ThrottleState {
    pb::ThrottleState {
        automatic: t.automatic,
        manual_rows_per_sec: t.manual_rows_per_sec.unwrap_or(0.0),
        backing_off: t.backing_off,
        reason: t.reason.clone(),
        last_probe_ms: t.last_probe_ms,
        old_wal_bytes: t.old_wal_bytes,
        seconds_waited: t.seconds_waited,
        probes: t.probes,
        backoffs: t.backoffs,
        last_reason: t.last_reason.clone(),
    }
}

pub fn status_report(database: &str, s: Status, job: Option<JobSnapshot>) -> pb::StatusReport {
    let certificate = s.certificate.clone();
    let verified = certificate.verified.as_ref();
    pb::StatusReport {
        database: database.to_string(),
        old_path: s.old_path.as_deref().map(path_str).unwrap_or_default(),
        new_path: s.new_path.as_deref().map(path_str).unwrap_or_default(),
        phase: pb::Phase::from(s.phase).into(),
        next_step: s.next_step,
        old_exists: s.old_exists,
        marker: match s.marker {
            None => pb::MarkerStatus::None,
            Some(MarkerStatus::Recording) => pb::MarkerStatus::Recording,
            Some(MarkerStatus::Draining) => pb::MarkerStatus::Draining,
            Some(MarkerStatus::Standby) => pb::MarkerStatus::Standby,
            Some(MarkerStatus::Retired) => pb::MarkerStatus::Retired,
        }
        .into(),
        log_entries: s.log_entries,
        triggers_installed: s.triggers,
        new_exists: s.new_exists,
        migration: match s.migration {
            None => pb::MigrationStatus::None,
            Some(new_side::MigrationStatus::Migrating) => pb::MigrationStatus::Migrating,
            Some(new_side::MigrationStatus::Ready) => pb::MigrationStatus::Ready,
            Some(new_side::MigrationStatus::Reverted) => pb::MigrationStatus::Reverted,
        }
        .into(),
        schema_hash: s.schema_hash,
        pending_replay: s.pending,
        cutover_complete: s.cutover_complete,
        replay_lag_seconds: s.lag_seconds,
        id_mapping_rows: s.id_mapping_rows,
        progress_rows: s.progress_rows,
        replay_checkpoint: s.checkpoint,
        copy_complete: s.copy_complete,
        tables: s
            .tables
            .into_iter()
            .map(|t| pb::TableCopyState {
                table: t.table,
                rows_copied: t.rows,
                done: t.done,
            })
            .collect(),
        running_job: job.map(Into::into),
        warnings: s.warnings,
        drained: s.drained,
        certified: s.certificate.certified(),
        verified_at: verified.map(|v| v.at.clone()).unwrap_or_default(),
        verified_log_position: verified.map_or(0, |v| v.log_position),
        verified_rows: verified.map_or(0, |v| v.rows),
        verified_by: verified.map(|v| v.by.clone()).unwrap_or_default(),
        skip_verify: s.certificate.cutover_skipped_verify_at.is_some(),
        drain_skipped_verify: s.certificate.drain_skipped_verify_at.is_some(),
        throttle: None,
        copy_progress: None,
        verify_progress: None,
        revert_window: s.window.map(super::convert_revert::window),
        old_guards: s.old_guards,
        writes_refused_ms: s.writes_refused_ms,
    }
}

pub fn cutover_report(r: CutoverReport) -> pb::CutoverReport {
    pb::CutoverReport {
        millis: r.millis,
        id_mapping_removed: r.id_mapping_removed,
        progress_removed: r.progress_removed,
        new_path: path_str(&r.new_path),
        certified: r.certified,
        verified_at: r.verified_at,
        revert_window_closes_at: r.revert_window_closes_at,
        old_side_only: r.old_side_only,
        writes_refused_ms: r.writes_refused_ms,
    }
}

pub fn cleanup_report(c: CleanupReport) -> pb::CleanupOldReport {
    let r = c.removed;
    pb::CleanupOldReport {
        previous_marker_status: r
            .previous_status
            .map_or("none", MarkerStatus::as_str)
            .to_string(),
        dropped_marker: r.marker,
        dropped_log: r.log,
        dropped_triggers: r.triggers,
        guards: c.guards,
        guards_released: c.guards_released,
        closed_window: c.closed_window,
    }
}

pub fn reset_report(r: ResetReport) -> pb::ResetReport {
    pb::ResetReport {
        dry_run: r.dry_run,
        actions: r.actions,
    }
}

fn migrate_summary(s: MigrateSummary) -> pb::MigrateSummary {
    // Rows an interrupted run copied are not this job's work.
    let already: u64 = s.tables.iter().map(|t| t.already).sum();
    let rows = s.rows.saturating_sub(already);
    pb::MigrateSummary {
        tables: s.tables.len() as u32,
        rows,
        seconds: s.seconds,
        rows_per_sec: if s.seconds > 0.0 {
            rows as f64 / s.seconds
        } else {
            0.0
        },
        per_table: s
            .tables
            .into_iter()
            .map(|t| pb::TableSummary {
                table: t.table,
                rows: t.rows.saturating_sub(t.already),
                seconds: t.seconds,
                already_copied: t.already,
            })
            .collect(),
        rows_already_copied: already,
        new_path: path_str(&s.new_path),
        schema_hash: s.schema_hash,
        resumed: s.resumed,
        indexes_built: s.indexes_built,
    }
}

fn drain_summary(s: DrainSummary) -> pb::DrainSummary {
    pb::DrainSummary {
        entries_replayed: s.entries_replayed,
        seconds: s.seconds,
        freeze_ms: s.freeze_ms,
        attempts: s.attempts,
        checkpoint: s.checkpoint,
        warnings: s.warnings,
        verify_stage: match s.verify {
            VerifyStage::AlreadyCertified => "already certified",
            VerifyStage::Verified { .. } => "verified",
            VerifyStage::Skipped => "skipped",
        }
        .to_string(),
        verified_rows: match s.verify {
            VerifyStage::Verified { rows, .. } => rows,
            _ => 0,
        },
        rows_repaired: match s.verify {
            VerifyStage::Verified { rows_repaired, .. } => rows_repaired,
            _ => 0,
        },
        verify_seconds: match s.verify {
            VerifyStage::Verified { millis, .. } => millis as f64 / 1000.0,
            _ => 0.0,
        },
        refused_ms: s.refused_ms,
        cutover: s.cutover.map(cutover_report),
    }
}

fn verify_summary(s: VerifySummary) -> pb::VerifySummary {
    pb::VerifySummary {
        tables: s
            .tables
            .into_iter()
            .map(|t| pb::TableVerification {
                table: t.table,
                rows: t.rows,
                chunks: t.chunks,
                chunks_recopied: t.chunks_recopied,
                rows_repaired: t.rows_repaired,
            })
            .collect(),
        rows: s.rows,
        chunks: s.chunks,
        chunks_recopied: s.chunks_recopied,
        differences: s.differences,
        rows_repaired: s.rows_repaired,
        entries_replayed: s.entries_replayed,
        seconds: s.seconds,
        log_position: s.log_position,
        certified: s.certified,
        queries_slower: s.queries.iter().filter(|q| q.slower).count() as u32,
        queries: s.queries.into_iter().map(query_timing).collect(),
    }
}

fn query_timing(q: QueryTiming) -> pb::QueryTiming {
    pb::QueryTiming {
        number: q.number,
        line: q.line,
        sql: q.sql,
        old_sql: q.old_sql,
        old_ms: q.old_ms,
        new_ms: q.new_ms,
        ratio: q.ratio,
        slower: q.slower,
        rows: q.rows,
        runs: q.runs,
    }
}

/// One job event on the wire. `job` supplies the fields every event carries.
pub fn job_event(job: &JobSnapshot, e: JobEvent) -> pb::JobEvent {
    use pb::job_event::Event as E;
    let event = match e.body {
        EventBody::Started => E::Started(pb::JobStarted {
            job: Some(job.clone().into()),
            resumed: false,
        }),
        EventBody::Engine(ev) => engine_event(ev, e.estimate.unwrap_or_default()),
        EventBody::Completed(Summary::Migrate(s)) => E::Completed(pb::JobCompleted {
            summary: Some(pb::job_completed::Summary::Migrate(migrate_summary(s))),
        }),
        EventBody::Completed(Summary::Drain(s)) => E::Completed(pb::JobCompleted {
            summary: Some(pb::job_completed::Summary::Drain(drain_summary(s))),
        }),
        EventBody::Completed(Summary::Revert(s)) => E::Completed(pb::JobCompleted {
            summary: Some(pb::job_completed::Summary::Revert(
                super::convert_revert::revert_summary(s),
            )),
        }),
        EventBody::Completed(Summary::Verify(s)) => E::Completed(pb::JobCompleted {
            summary: Some(pb::job_completed::Summary::Verify(verify_summary(s))),
        }),
        EventBody::Failed(err) => {
            let status = super::error::engine_status(&err);
            E::Failed(pb::JobFailed {
                code: super::error::code_name(status.code()).to_string(),
                message: status.message().to_string(),
            })
        }
        EventBody::Cancelled(message) => E::Cancelled(pb::JobCancelled { message }),
    };
    pb::JobEvent {
        seq: e.seq,
        job_id: job.id.clone(),
        database: job.database.clone(),
        unix_ms: e.unix_ms,
        event: Some(event),
    }
}

/// Puts a running job's newest copy or verify progress into a status report.
pub fn status_progress(report: &mut pb::StatusReport, latest: Option<JobEvent>) {
    use pb::job_event::Event as E;
    let Some(JobEvent {
        body: EventBody::Engine(ev),
        estimate,
        ..
    }) = latest
    else {
        return;
    };
    match engine_event(ev, estimate.unwrap_or_default()) {
        E::Copy(c) => report.copy_progress = Some(c),
        E::Verify(v) => report.verify_progress = Some(v),
        _ => {}
    }
}

/// An engine event on the wire; copy and verify progress carry the agent's
/// estimate.
pub fn engine_event(ev: Event, est: Estimate) -> pb::job_event::Event {
    use pb::job_event::Event as E;
    match ev {
        Event::Step { step, message } => E::Phase(pb::PhaseChanged {
            step: step.to_string(),
            message,
        }),
        Event::Copy {
            table,
            table_rows_done,
            table_rows_total,
            rows_done,
            rows_total,
            tables_done,
            tables_total,
            rows_per_sec,
        } => E::Copy(pb::CopyProgress {
            table,
            table_rows_done,
            table_rows_total,
            rows_done,
            rows_total,
            tables_done,
            tables_total,
            rows_per_sec,
            recent_rows_per_sec: est.rows_per_sec,
            eta_seconds: est.eta_seconds,
            table_eta_seconds: est.table_eta_seconds,
        }),
        Event::Verify {
            table,
            table_rows_done,
            table_rows_total,
            rows_done,
            rows_total,
            tables_done,
            tables_total,
            table_finished,
        } => E::Verify(pb::VerifyProgress {
            table,
            table_rows_done,
            table_rows_total,
            rows_done,
            rows_total,
            tables_done,
            tables_total,
            table_finished,
            recent_rows_per_sec: est.rows_per_sec,
            eta_seconds: est.eta_seconds,
            table_eta_seconds: est.table_eta_seconds,
        }),
        Event::Replay {
            applied,
            pending,
            lag_seconds,
            entries_per_sec,
        } => E::Replay(pb::ReplayProgress {
            applied,
            pending,
            lag_seconds,
            entries_per_sec,
        }),
        Event::Ready { message } => E::Phase(pb::PhaseChanged {
            step: "ready".into(),
            message,
        }),
        Event::Notice { warn, message } => E::Notice(pb::Notice {
            level: if warn { "warn" } else { "info" }.to_string(),
            message,
        }),
    }
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
