//! `mig status` as text: the runbook's validation lines (`marker status:`,
//! `migration log entries:`, `pending replay entries:`, `migration status:`,
//! `schema hash:`, `id mapping:`, `_migration_progress:`), then the copy
//! state, the running job with its progress and ETA, warnings and the next
//! step.

use mig::proto::{
    CopyProgress, JobInfo, MarkerStatus, MigrationStatus, RevertWindow, StatusReport,
    ThrottleState, VerifyProgress,
};

use super::{events, names, yes_no};

pub fn lines(s: &StatusReport) -> Vec<String> {
    let mut out = vec![
        format!("database: {}", s.database),
        format!("old database: {}", file(&s.old_path, s.old_exists)),
        format!("new database: {}", file(&s.new_path, s.new_exists)),
        format!("phase: {}", names::phase(s.phase)),
        format!("marker status: {}", names::marker(s.marker)),
        format!(
            "migration log entries: {}",
            s.log_entries
                .map_or("none (no _migration_log)".to_string(), |n| n.to_string())
        ),
        format!("recording triggers: {}", s.triggers_installed),
        format!("migration status: {}", names::migration(s.migration)),
        format!(
            "schema hash: {}",
            if s.schema_hash.is_empty() {
                "none"
            } else {
                &s.schema_hash
            }
        ),
        format!("pending replay entries: {}", pending(s)),
    ];
    if s.pending_replay.is_some_and(|n| n > 0) {
        out.push(format!("replay lag: {:.1} s", s.replay_lag_seconds));
    }
    if let Some(ms) = s.writes_refused_ms {
        out.push(format!(
            "writes refused for: {} (until the new database is ready)",
            super::summaries::duration_ms(ms)
        ));
    }
    out.push(format!("id mapping: {}", id_mapping(s)));
    out.push(format!(
        "_migration_progress: {}",
        table_rows(s, s.progress_rows)
    ));
    // Copy and replay progress live in _migration_progress: without it
    // (before migrate, after cutover) there is nothing to report.
    if s.progress_rows.is_some() {
        out.extend(progress(s));
    }
    if s.new_exists {
        out.push(format!("certified: {}", certification(s)));
    }
    out.extend(
        s.revert_window
            .as_ref()
            .map(revert_window)
            .into_iter()
            .flatten(),
    );
    if s.old_guards > 0 {
        out.push(format!(
            "old database guard: {} triggers refuse its writes",
            s.old_guards
        ));
    }
    if let Some(job) = &s.running_job {
        out.push(format!("running job: {}", job_line(job)));
    }
    out.extend(s.copy_progress.as_ref().map(copying));
    out.extend(s.verify_progress.as_ref().map(verifying));
    // Copy and catch-up run (and are paced) only while recording.
    if let Some(t) = s
        .throttle
        .as_ref()
        .filter(|_| s.marker == MarkerStatus::Recording as i32)
    {
        out.push(throttle_line(t));
    }
    out.extend(s.warnings.iter().map(|w| format!("warning: {w}")));
    out.push(format!("next: {}", s.next_step));
    out
}

fn progress(s: &StatusReport) -> Vec<String> {
    let mut out = vec![
        format!("replay checkpoint: {}", s.replay_checkpoint),
        format!(
            "copy: {}",
            if s.copy_complete {
                "complete"
            } else {
                "not complete"
            }
        ),
    ];
    let width = s.tables.iter().map(|t| t.table.len()).max().unwrap_or(0);
    for t in &s.tables {
        out.push(format!(
            "  {:width$}  {} rows copied{}",
            t.table,
            t.rows_copied,
            if t.done { " (done)" } else { "" }
        ));
    }
    out.push(format!("drained: {}", yes_no(s.drained)));
    out
}

/// `revert window: open until …, 1200 writes to carry back, 0 conflicts`.
fn revert_window(w: &RevertWindow) -> Vec<String> {
    let mut out = vec![match w.state.as_str() {
        _ if !w.broken.is_empty() => format!("revert window: broken: {}", w.broken),
        "open" => format!(
            "revert window: open until {} ({}s left), {} writes not yet carried back, {} conflicts",
            w.closes_at,
            w.seconds_left.max(0.0) as u64,
            w.pending,
            w.conflicts.len()
        ),
        "closed" => format!(
            "revert window: closed by {} at {}",
            w.closed_by, w.closed_at
        ),
        other => format!("revert window: {other}"),
    }];
    out.extend(w.conflicts.iter().map(|c| format!("  conflict: {c}")));
    out
}

/// Whether a full verify certified the migration, or how it went on without.
fn certification(s: &StatusReport) -> String {
    if s.certified {
        return format!(
            "yes (verified by {} at {}, replay checkpoint {}, {} rows)",
            s.verified_by, s.verified_at, s.verified_log_position, s.verified_rows
        );
    }
    if s.skip_verify {
        return "no — cut over without verification (--skip-verify)".into();
    }
    if s.drain_skipped_verify {
        return "no (drain ran with --skip-verify; run `mig verify`)".into();
    }
    "no (`mig verify`, or `mig drain`, certifies it)".into()
}

/// `copying: 450000/1000000 rows (45%), 12000 rows/s, ETA 46s; table
/// orders 20000/50000, ETA 3s` — the rate over the agent's recent window.
pub fn copying(c: &CopyProgress) -> String {
    format!(
        "copying: {}; table {} {}/{}, ETA {}",
        whole(
            c.rows_done,
            c.rows_total,
            c.recent_rows_per_sec,
            c.eta_seconds
        ),
        c.table,
        c.table_rows_done,
        c.table_rows_total,
        events::eta(c.table_eta_seconds)
    )
}

/// The same for a running verify.
pub fn verifying(v: &VerifyProgress) -> String {
    format!(
        "verifying: {}; table {} {}/{}, ETA {}",
        whole(
            v.rows_done,
            v.rows_total,
            v.recent_rows_per_sec,
            v.eta_seconds
        ),
        v.table,
        v.table_rows_done,
        v.table_rows_total,
        events::eta(v.table_eta_seconds)
    )
}

fn whole(done: u64, total: u64, rate: Option<f64>, eta: Option<f64>) -> String {
    let pct = done.saturating_mul(100).checked_div(total).unwrap_or(100);
    let rate = rate.map_or("rate not measured yet".into(), |r| format!("{r:.0} rows/s"));
    format!(
        "{done}/{total} rows ({pct}%), {rate}, ETA {}",
        events::eta(eta)
    )
}

/// `throttle: ...`: the manual cap, the automatic state and its last probe.
pub fn throttle_line(t: &ThrottleState) -> String {
    let mut parts = Vec::new();
    if t.manual_rows_per_sec > 0.0 {
        parts.push(format!("capped at {:.0} rows/s", t.manual_rows_per_sec));
    }
    parts.push(match (t.automatic, t.backing_off) {
        (false, _) => "automatic off".to_string(),
        (true, true) => format!("backing off: {}", t.reason),
        (true, false) => "automatic, not backing off".to_string(),
    });
    if let Some(ms) = t.last_probe_ms {
        parts.push(format!("last probe write {ms:.1} ms"));
    }
    if t.seconds_waited > 0.0 {
        parts.push(format!("waited {:.1} s in all", t.seconds_waited));
    }
    format!("throttle: {}", parts.join("; "))
}

/// `<id> (<kind>, <state>)`.
pub fn job_line(j: &JobInfo) -> String {
    format!(
        "{} ({}, {})",
        j.job_id,
        names::job_kind(j.kind),
        names::job_state(j.state)
    )
}

fn file(path: &str, exists: bool) -> String {
    match (path.is_empty(), exists) {
        (true, _) => "unknown".into(),
        (false, true) => path.to_string(),
        (false, false) => format!("{path} (missing)"),
    }
}

fn pending(s: &StatusReport) -> String {
    match (s.pending_replay, s.cutover_complete) {
        (Some(n), true) => format!("{n} (cutover complete)"),
        (Some(n), false) => n.to_string(),
        (None, _) => "unknown".into(),
    }
}

/// Rows of a replay-only table: removed by cutover, absent before migrate.
/// The id mapping's rows; after the cutover, why they are still there.
fn id_mapping(s: &StatusReport) -> String {
    let rows = table_rows(s, s.id_mapping_rows);
    let kept = s
        .revert_window
        .as_ref()
        .is_some_and(|w| matches!(w.state.as_str(), "open" | "reverting"));
    match s.id_mapping_rows {
        Some(_) if s.migration == MigrationStatus::Ready as i32 && kept => {
            format!("{rows} (kept while the revert window is open)")
        }
        Some(_) if s.migration == MigrationStatus::Ready as i32 => format!(
            "{rows} left after the cutover, being removed in short transactions; if no mig runs, `mig cutover` again removes the rest (no data changes)"
        ),
        _ => rows,
    }
}

fn table_rows(s: &StatusReport, rows: Option<u64>) -> String {
    match rows {
        Some(n) => format!("{n} rows"),
        None if s.migration == MigrationStatus::Ready as i32 => "removed".into(),
        None => "absent".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mig::proto::{JobKind, JobState, MarkerStatus, Phase, TableCopyState};

    fn recording() -> StatusReport {
        StatusReport {
            database: "local".into(),
            old_path: "old.db".into(),
            new_path: "new.db".into(),
            phase: Phase::Recording as i32,
            next_step: "run `mig drain`".into(),
            old_exists: true,
            marker: MarkerStatus::Recording as i32,
            log_entries: Some(123),
            triggers_installed: 12,
            new_exists: true,
            migration: MigrationStatus::Migrating as i32,
            schema_hash: "1a2b3c".into(),
            pending_replay: Some(4),
            replay_lag_seconds: 1.26,
            id_mapping_rows: Some(42),
            progress_rows: Some(5),
            replay_checkpoint: 119,
            copy_complete: true,
            tables: vec![TableCopyState {
                table: "customer".into(),
                rows_copied: 100,
                done: true,
            }],
            ..Default::default()
        }
    }

    #[test]
    fn recording_status_has_the_runbook_lines() {
        let text = lines(&recording()).join("\n");
        let expected = "\
database: local
old database: old.db
new database: new.db
phase: recording
marker status: recording
migration log entries: 123
recording triggers: 12
migration status: migrating
schema hash: 1a2b3c
pending replay entries: 4
replay lag: 1.3 s
id mapping: 42 rows
_migration_progress: 5 rows
replay checkpoint: 119
copy: complete
  customer  100 rows copied (done)
drained: no
certified: no (`mig verify`, or `mig drain`, certifies it)
next: run `mig drain`";
        assert_eq!(text, expected);
    }

    #[test]
    fn a_running_copy_shows_its_eta_or_that_it_is_not_known_yet() {
        let mut s = recording();
        s.copy_progress = Some(CopyProgress {
            table: "orders".into(),
            table_rows_done: 20_000,
            table_rows_total: 50_000,
            rows_done: 450_000,
            rows_total: 1_000_000,
            recent_rows_per_sec: Some(12_000.4),
            eta_seconds: Some(46.0),
            table_eta_seconds: Some(2.5),
            ..Default::default()
        });
        assert!(lines(&s).contains(
            &"copying: 450000/1000000 rows (45%), 12000 rows/s, ETA 46s; table orders 20000/50000, ETA 3s".to_string()
        ));
        s.copy_progress = None;
        s.verify_progress = Some(VerifyProgress {
            table: "t".into(),
            rows_total: 10,
            ..Default::default()
        });
        assert!(lines(&s).contains(
            &"verifying: 0/10 rows (0%), rate not measured yet, ETA unknown; table t 0/0, ETA unknown".to_string()
        ));
    }

    #[test]
    fn while_draining_says_for_how_long_writes_are_refused() {
        let mut s = recording();
        s.marker = MarkerStatus::Draining as i32;
        s.writes_refused_ms = Some(2350.0);
        assert!(lines(&s)
            .contains(&"writes refused for: 2.35 s (until the new database is ready)".to_string()));
        s.writes_refused_ms = None;
        assert!(!lines(&s).iter().any(|l| l.starts_with("writes refused")));
    }

    #[test]
    fn a_mapping_left_after_cutover_says_why_and_what_removes_it() {
        let mut s = recording();
        s.migration = MigrationStatus::Ready as i32;
        s.id_mapping_rows = Some(5_000);
        let line = lines(&s)
            .into_iter()
            .find(|l| l.starts_with("id mapping: "))
            .expect("an id mapping line");
        assert!(
            line.starts_with("id mapping: 5000 rows left after the cutover")
                && line.contains("`mig cutover` again removes the rest"),
            "{line}"
        );
        s.revert_window = Some(RevertWindow {
            state: "open".into(),
            ..Default::default()
        });
        assert!(lines(&s)
            .contains(&"id mapping: 5000 rows (kept while the revert window is open)".to_string()));
    }

    #[test]
    fn after_cutover_replay_tables_are_removed() {
        let mut s = recording();
        s.migration = MigrationStatus::Ready as i32;
        s.marker = MarkerStatus::Draining as i32;
        s.cutover_complete = true;
        s.pending_replay = Some(0);
        s.id_mapping_rows = None;
        s.progress_rows = None;
        s.tables.clear();
        s.running_job = Some(JobInfo {
            job_id: "j9".into(),
            kind: JobKind::Drain as i32,
            state: JobState::Paused as i32,
            ..Default::default()
        });
        s.warnings = vec!["w".into()];
        s.skip_verify = true;
        let text = lines(&s);
        for want in [
            "certified: no — cut over without verification (--skip-verify)",
            "migration status: ready",
            "pending replay entries: 0 (cutover complete)",
            "id mapping: removed",
            "_migration_progress: removed",
            "running job: j9 (drain, paused)",
            "warning: w",
        ] {
            assert!(text.iter().any(|l| l == want), "{want} missing: {text:#?}");
        }
        assert!(!text.iter().any(|l| l.starts_with("replay lag")));
        assert!(!text
            .iter()
            .any(|l| l.starts_with("copy:") || l.starts_with("drained:")));
    }

    #[test]
    fn missing_files_and_unknown_pending() {
        let s = StatusReport {
            old_path: "old.db".into(),
            marker: MarkerStatus::None as i32,
            migration: MigrationStatus::None as i32,
            ..Default::default()
        };
        let text = lines(&s);
        assert!(text.contains(&"old database: old.db (missing)".to_string()));
        assert!(text.contains(&"new database: unknown".to_string()));
        assert!(text.contains(&"marker status: none".to_string()));
        assert!(text.contains(&"pending replay entries: unknown".to_string()));
        assert!(text.contains(&"id mapping: absent".to_string()));
    }
}
