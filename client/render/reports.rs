//! The one-shot reports as text: cutover, cleanup-old, reset, job control
//! and the database list.

use mig::proto::{
    CleanupOldReport, CutoverReport, DatabaseSummary, FinalizeReport, JobInfo, ResetReport,
    RevertSummary,
};

use super::status::job_line;
use super::{names, yes_no};

pub fn cutover(r: &CutoverReport) -> Vec<String> {
    let mut out = vec![
        format!(
            "cutover complete: {} is ready ({:.0} ms)",
            r.new_path, r.millis
        ),
        if r.certified {
            format!("verification: certified (verified at {})", r.verified_at)
        } else {
            "verification: none — cut over without verification (--skip-verify, recorded)".into()
        },
        format!("id mapping: {}", removed(r.id_mapping_removed)),
        format!("_migration_progress: {}", removed(r.progress_removed)),
    ];
    out.extend(after_cutover(r));
    if let Some(ms) = r.writes_refused_ms {
        out.insert(
            1,
            format!(
                "writes refused for {}: from the drain's freeze until the new database was ready",
                super::summaries::duration_ms(ms)
            ),
        );
    }
    out
}

pub fn finalize(r: &FinalizeReport) -> Vec<String> {
    vec![
        format!("revert window closed ({})", r.closed_by),
        format!("writes not carried back: {}", r.entries_dropped),
        format!("old database retired: {} guard triggers refuse its writes", r.guards),
        "next: `mig cleanup-old` removes the migration tables from the old database (the guard stays until `mig release-old`)".into(),
    ]
}

pub fn revert_summary(r: &RevertSummary) -> Vec<String> {
    let mut out = vec![
        format!("reverted: {} accepts writes again", r.old_path),
        format!(
            "carried back: {} writes; verified {} rows in {} tables before the freeze, and {} rows written beyond their table's verify by key{}",
            r.entries_replayed,
            r.verified_rows,
            r.verified_tables,
            r.checked_by_key,
            match r.attempts {
                0 | 1 => String::new(),
                n => format!(" ({n} freezes: the earlier ones ran past the freeze limit and let writes through again)"),
            }
        ),
        format!("writes refused for {:.1} ms (from the new database's freeze taking its write lock until it refuses writes as reverted, the old one already writable; a write waiting in SQLite's default busy handler gets in up to one of its retry sleeps later, up to {} ms after a wait this long)", r.refused_ms, busy_retry_sleep_ms(r.refused_ms)),
    ];
    out.extend(
        r.discarded
            .iter()
            .map(|d| format!("discarded (--discard-conflicts, recorded in the new database): {d}")),
    );
    out.extend(r.left_behind.iter().map(|l| format!("left behind: {l}")));
    out.extend(left_to_owner(&r.left_to_owner));
    out.push("next: point the service at the old database; the new one refuses writes and is kept as a record".into());
    out
}

/// Tables shown by name in the line on tables left to their owner.
const OWNED_SHOWN: usize = 5;

/// The line naming the old database's tables revert left to their owner
/// (none when there are none): how many, the first few, and what to do.
fn left_to_owner(tables: &[String]) -> Option<String> {
    tables.first()?;
    let mut names = tables
        .iter()
        .take(OWNED_SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if tables.len() > OWNED_SHOWN {
        names.push_str(&format!(" and {} more", tables.len() - OWNED_SHOWN));
    }
    Some(format!(
        "not carried back: {} table(s) left to their owner ({names}): the window's writes to them are in the new database only, and an index over a table carried back (FTS) lacks the window's rows; rebuild them on the old database the way their owner does (an FTS index: its 'rebuild' command)",
        tables.len()
    ))
}

/// The longest sleep SQLite's default busy handler (what
/// `sqlite3_busy_timeout` and Python's `sqlite3` `timeout=` install) takes
/// between tries once a write has waited `waited_ms`: its schedule sleeps
/// 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, then 100 ms (`delays[]` in
/// SQLite's `main.c`), so a write that waited through a 200 ms refusal
/// gets in up to 50 ms after the lock is released (400 ms: 100), not 25.
pub fn busy_retry_sleep_ms(waited_ms: f64) -> u32 {
    const DELAYS: [u32; 12] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];
    let mut total = 0.0;
    for d in DELAYS {
        total += f64::from(d);
        if total > waited_ms {
            return d;
        }
    }
    100
}

/// The revert window a cutover left, and what to do next: the last lines
/// of `cutover` and of `drain --cutover`.
pub fn after_cutover(r: &CutoverReport) -> [String; 2] {
    if r.revert_window_closes_at.is_empty() {
        [
            "revert window: none (the old database is retired: it refuses writes, naming the new one)".into(),
            "next: move traffic to the new service; once it serves, `mig cleanup-old` removes the migration tables from the old database".into(),
        ]
    } else {
        [
            format!("revert window: open until {} (the new database records its writes; the old one is a standby)", r.revert_window_closes_at),
            "next: move traffic to the new service; `mig revert` goes back without losing a write until the window closes, `mig finalize` closes it".into(),
        ]
    }
}

fn removed(b: bool) -> &'static str {
    if b {
        "removed"
    } else {
        "kept"
    }
}

pub fn cleanup_old(r: &CleanupOldReport) -> Vec<String> {
    let closed = r.closed_window.then(|| {
        "revert window closed first (the old database was a standby): `mig revert` is no longer possible".to_string()
    });
    closed.into_iter().chain(cleanup_lines(r)).collect()
}

fn cleanup_lines(r: &CleanupOldReport) -> Vec<String> {
    vec![
        format!("previous marker status: {}", r.previous_marker_status),
        format!("dropped _migration_marker: {}", yes_no(r.dropped_marker)),
        format!("dropped _migration_log: {}", yes_no(r.dropped_log)),
        format!("dropped recording triggers: {}", r.dropped_triggers),
        if r.guards > 0 {
            format!("old database retired: {} guard triggers refuse its writes (`mig release-old` lets them through)", r.guards)
        } else {
            format!(
                "old database released: it accepts writes again ({} guard triggers dropped)",
                r.guards_released
            )
        },
    ]
}

pub fn reset(r: &ResetReport) -> Vec<String> {
    let head = if r.dry_run {
        "reset (dry run), would:"
    } else {
        "reset done:"
    };
    std::iter::once(head.to_string())
        .chain(r.actions.iter().map(|a| format!("  - {a}")))
        .collect()
}

/// After pause, resume or cancel: `job <id> (<kind>) on <db>: <state>`.
pub fn job(j: &JobInfo) -> Vec<String> {
    vec![format!(
        "job {} ({}) on {}: {}",
        j.job_id,
        names::job_kind(j.kind),
        j.database,
        names::job_state(j.state)
    )]
}

pub fn databases(list: &[DatabaseSummary]) -> Vec<String> {
    if list.is_empty() {
        return vec!["no databases".into()];
    }
    let width = list.iter().map(|d| d.name.len()).max().unwrap_or(0);
    list.iter()
        .map(|d| {
            let mut line = format!("{:width$}  {}", d.name, names::phase(d.phase));
            if let Some(j) = &d.running_job {
                line.push_str(&format!("  job {}", job_line(j)));
            }
            if !d.error.is_empty() {
                line.push_str(&format!("  error: {}", d.error));
            }
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mig::proto::{JobKind, JobState, Phase};

    #[test]
    fn cleanup_reports_previous_status_and_dropped_flags() {
        let r = CleanupOldReport {
            previous_marker_status: "draining".into(),
            dropped_marker: true,
            dropped_log: true,
            dropped_triggers: 8,
            guards: 12,
            ..Default::default()
        };
        assert_eq!(
            cleanup_old(&r),
            vec![
                "previous marker status: draining",
                "dropped _migration_marker: yes",
                "dropped _migration_log: yes",
                "dropped recording triggers: 8",
                "old database retired: 12 guard triggers refuse its writes (`mig release-old` lets them through)",
            ]
        );
    }

    #[test]
    fn cutover_and_reset() {
        let c = cutover(&CutoverReport {
            millis: 3.4,
            id_mapping_removed: true,
            progress_removed: true,
            new_path: "new.db".into(),
            certified: false,
            verified_at: String::new(),
            writes_refused_ms: Some(84.25),
            ..Default::default()
        });
        assert_eq!(c[0], "cutover complete: new.db is ready (3 ms)");
        assert_eq!(
            c[1],
            "writes refused for 84.2 ms: from the drain's freeze until the new database was ready"
        );
        assert!(c[2].contains("cut over without verification"));
        assert_eq!(c[3], "id mapping: removed");
        let r = reset(&ResetReport {
            dry_run: true,
            actions: vec!["delete new.db".into()],
        });
        assert_eq!(r, vec!["reset (dry run), would:", "  - delete new.db"]);
    }

    #[test]
    fn database_list_shows_phase_job_and_error() {
        let list = vec![
            DatabaseSummary {
                name: "shop".into(),
                phase: Phase::Recording as i32,
                running_job: Some(JobInfo {
                    job_id: "j1".into(),
                    kind: JobKind::Drain as i32,
                    state: JobState::Running as i32,
                    ..Default::default()
                }),
                error: String::new(),
            },
            DatabaseSummary {
                name: "a".into(),
                error: "cannot open".into(),
                ..Default::default()
            },
        ];
        assert_eq!(
            databases(&list),
            vec![
                "shop  recording  job j1 (drain, running)",
                "a     unknown  error: cannot open",
            ]
        );
    }

    /// A new user's MLflow revert refused writes for 199.5 ms and the line
    /// said "up to 25 ms": a write that waited that long is in a 50 ms
    /// sleep (the application's Python writer got in ~100 ms after it).
    #[test]
    fn revert_line_bounds_the_busy_handler_step_by_how_long_the_write_waited() {
        assert_eq!(busy_retry_sleep_ms(0.5), 1);
        assert_eq!(busy_retry_sleep_ms(20.0), 15);
        assert_eq!(busy_retry_sleep_ms(60.0), 25);
        assert_eq!(busy_retry_sleep_ms(150.0), 50);
        assert_eq!(busy_retry_sleep_ms(199.5), 50);
        assert_eq!(busy_retry_sleep_ms(400.0), 100);
        assert_eq!(busy_retry_sleep_ms(5000.0), 100);
        let r = RevertSummary {
            refused_ms: 199.5,
            ..Default::default()
        };
        let lines = revert_summary(&r);
        let refused = lines
            .iter()
            .find(|l| l.starts_with("writes refused for 199.5 ms"))
            .expect("the refusal line");
        assert!(
            refused.ends_with("up to 50 ms after a wait this long)"),
            "{refused}"
        );
    }
}
