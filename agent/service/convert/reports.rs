//! The one-shot steps' replies on the wire: status, cutover, cleanup-old,
//! reset, the throttle, and `ListDatabases`' lines.

use super::path_str;
use crate::config::DatabaseConfig;
use crate::engine::new_side;
use crate::engine::ops::{CleanupReport, CutoverReport, ResetReport};
use crate::engine::record::MarkerStatus;
use crate::engine::status::Status;
use crate::jobs::JobSnapshot;
use crate::proto as pb;

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
        revert_window: s.window.map(super::revert::window),
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
/// One line of `ListDatabases`: the database's phase (`Unspecified` when
/// not read, or unreadable: then `error` says why) and its running job.
pub fn database_summary(
    config: DatabaseConfig,
    status: Option<Result<Status, crate::engine::EngineError>>,
    running_job: Option<JobSnapshot>,
) -> pb::DatabaseSummary {
    let (phase, error) = match status {
        None => (pb::Phase::Unspecified, String::new()),
        Some(Ok(s)) => (pb::Phase::from(s.phase), String::new()),
        Some(Err(e)) => (pb::Phase::Unspecified, e.to_string()),
    };
    pb::DatabaseSummary {
        name: config.name,
        phase: phase.into(),
        running_job: running_job.map(Into::into),
        error,
    }
}

/// A `ListDatabases` page; `more`: databases follow the last one listed.
pub fn database_page(
    databases: Vec<pb::DatabaseSummary>,
    more: bool,
    served: u64,
) -> pb::ListDatabasesResponse {
    let next_page_token = match (more, databases.last()) {
        (true, Some(last)) => last.name.clone(),
        _ => String::new(),
    };
    pb::ListDatabasesResponse {
        databases,
        next_page_token,
        served,
    }
}
