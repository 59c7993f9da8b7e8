//! Job events on the wire: progress, phases, notices, and the terminal
//! event with the job's summary or its failure's status.

use super::path_str;
use super::reports::cutover_report;
use crate::engine::ops::{DrainSummary, MigrateSummary, VerifyStage, VerifySummary};
use crate::engine::plan::quoted::Disclosure;
use crate::engine::verify::queries::QueryTiming;
use crate::engine::Event;
use crate::jobs::rate::Estimate;
use crate::jobs::{EventBody, JobEvent, JobSnapshot, Summary, EVENT_LOG_CAPACITY};
use crate::proto as pb;
use crate::service::error::{code_name, failure_status};

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

/// One job event on the wire, as `d` may read it (a viewer's failure line and
/// notices name no rows). `job` supplies the fields every event carries.
pub fn job_event(job: &JobSnapshot, e: JobEvent, d: Disclosure) -> pb::JobEvent {
    use pb::job_event::Event as E;
    let event = match e.body {
        EventBody::Started => E::Started(pb::JobStarted {
            job: Some(job.clone().into()),
            resumed: false,
        }),
        EventBody::Engine(ev) => engine_event(ev, e.estimate.unwrap_or_default(), d),
        EventBody::Completed(Summary::Migrate(s)) => E::Completed(pb::JobCompleted {
            summary: Some(pb::job_completed::Summary::Migrate(migrate_summary(s))),
        }),
        EventBody::Completed(Summary::Drain(s)) => E::Completed(pb::JobCompleted {
            summary: Some(pb::job_completed::Summary::Drain(drain_summary(s))),
        }),
        EventBody::Completed(Summary::Revert(s)) => E::Completed(pb::JobCompleted {
            summary: Some(pb::job_completed::Summary::Revert(
                super::revert::revert_summary(s),
            )),
        }),
        EventBody::Completed(Summary::Verify(s)) => E::Completed(pb::JobCompleted {
            summary: Some(pb::job_completed::Summary::Verify(verify_summary(s))),
        }),
        EventBody::Failed(failure) => {
            let status = failure_status(&failure, d);
            E::Failed(pb::JobFailed {
                code: code_name(status.code()).to_string(),
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
    // Progress quotes no rows.
    match engine_event(ev, estimate.unwrap_or_default(), Disclosure::CountsOnly) {
        E::Copy(c) => report.copy_progress = Some(c),
        E::Verify(v) => report.verify_progress = Some(v),
        _ => {}
    }
}

/// An engine event on the wire, as `d` may read it; copy and verify
/// progress carry the agent's estimate.
pub fn engine_event(ev: Event, est: Estimate, d: Disclosure) -> pb::job_event::Event {
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
            bytes: _,
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
        Event::RowsNotice(text) => E::Notice(pb::Notice {
            level: "warn".to_string(),
            message: text.for_caller(d).to_string(),
        }),
        Event::Notice { warn, message } => E::Notice(pb::Notice {
            level: if warn { "warn" } else { "info" }.to_string(),
            message,
        }),
    }
}
/// A synthetic notice (seq 0) telling a late follower what it missed.
pub fn missed_notice(job: &JobSnapshot, missed: u64) -> pb::JobEvent {
    pb::JobEvent {
        seq: 0,
        job_id: job.id.clone(),
        database: job.database.clone(),
        unix_ms: 0,
        event: Some(pb::job_event::Event::Notice(pb::Notice {
            level: "warn".into(),
            message: format!(
                "{missed} earlier events are no longer held (the agent keeps the last {EVENT_LOG_CAPACITY} per job)"
            ),
        })),
    }
}
