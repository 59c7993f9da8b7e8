//! One line of text per job event, and the summaries printed when a job
//! completes. Pure functions: the progress renderer decides when to print.

use mig::proto::job_event::Event;
use mig::proto::{
    CopyProgress, DrainSummary, JobEvent, JobStarted, MigrateSummary, Notice, PhaseChanged,
    ReplayProgress, VerifyProgress, VerifySummary,
};

use super::names;

/// The plain-text line for a non-terminal event (`None` for terminal ones,
/// which end the stream and are reported by the command).
pub fn line(ev: &JobEvent) -> Option<String> {
    match ev.event.as_ref()? {
        Event::Started(s) => Some(started(s)),
        Event::Phase(p) => Some(step(p)),
        Event::Copy(c) => Some(copy(c)),
        Event::Verify(v) => Some(verify(v)),
        Event::Replay(r) => Some(replay(r)),
        Event::Notice(n) => Some(notice(n)),
        Event::Completed(_) | Event::Failed(_) | Event::Cancelled(_) => None,
    }
}

pub fn started(s: &JobStarted) -> String {
    let (kind, id, db) = match &s.job {
        Some(j) => (
            names::job_kind(j.kind),
            j.job_id.as_str(),
            j.database.as_str(),
        ),
        None => ("job", "", ""),
    };
    let resumed = if s.resumed {
        ", resuming an interrupted one"
    } else {
        ""
    };
    format!("{kind} job {id} started on {db}{resumed}")
}

pub fn step(p: &PhaseChanged) -> String {
    if p.message.is_empty() {
        format!("[{}]", p.step)
    } else {
        format!("[{}] {}", p.step, p.message)
    }
}

pub fn notice(n: &Notice) -> String {
    if n.level == "warn" {
        format!("warning: {}", n.message)
    } else {
        n.message.clone()
    }
}

/// The rate is the agent's over its recent window: none until it has one.
pub fn copy(c: &CopyProgress) -> String {
    let rate = c
        .recent_rows_per_sec
        .map_or("rate not measured yet".into(), |r| format!("{r:.0} rows/s"));
    format!(
        "copy: {}/{} rows ({}), table {} {}/{}, {}/{} tables, {rate}, ETA {} (table {})",
        c.rows_done,
        c.rows_total,
        percent(c.rows_done, c.rows_total),
        c.table,
        c.table_rows_done,
        c.table_rows_total,
        c.tables_done,
        c.tables_total,
        eta(c.eta_seconds),
        eta(c.table_eta_seconds),
    )
}

/// Verify's progress as a line; printed without a terminal only when a
/// table is finished (one line per table).
pub fn verify(v: &VerifyProgress) -> String {
    let head = if v.table_finished {
        format!("verify: {} compared, {} rows", v.table, v.table_rows_done)
    } else {
        format!(
            "verify: {} {}/{} rows",
            v.table, v.table_rows_done, v.table_rows_total
        )
    };
    format!(
        "{head} ({}/{} tables, {}/{} rows, {}), ETA {}",
        v.tables_done,
        v.tables_total,
        v.rows_done,
        v.rows_total,
        percent(v.rows_done, v.rows_total),
        eta(v.eta_seconds),
    )
}

/// Time left as an operator reads it: `unknown` until the agent has a
/// rate, then `42s`, `3m07s`, `2h05m`.
pub fn eta(seconds: Option<f64>) -> String {
    let Some(s) = seconds.filter(|s| s.is_finite() && *s >= 0.0) else {
        return "unknown".into();
    };
    let s = s.round() as u64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

pub fn replay(r: &ReplayProgress) -> String {
    format!(
        "replay: {} applied, {} pending, lag {:.1} s, {:.0} entries/s",
        r.applied, r.pending, r.lag_seconds, r.entries_per_sec
    )
}

fn percent(done: u64, total: u64) -> String {
    if total == 0 {
        return "100%".into();
    }
    format!("{}%", done.saturating_mul(100) / total)
}

pub fn migrate_summary(m: &MigrateSummary) -> Vec<String> {
    let mut out = vec![format!(
        "copied {} rows in {} tables in {:.1} s ({:.0} rows/s)",
        m.rows, m.tables, m.seconds, m.rows_per_sec
    )];
    let width = m.per_table.iter().map(|t| t.table.len()).max().unwrap_or(0);
    for t in &m.per_table {
        let already = if t.already_copied > 0 {
            format!(" ({} copied before)", t.already_copied)
        } else {
            String::new()
        };
        out.push(format!(
            "  {:width$}  {} rows in {:.1} s{already}",
            t.table, t.rows, t.seconds
        ));
    }
    if m.indexes_built > 0 {
        out.push(format!(
            "built {} deferred {}",
            m.indexes_built,
            if m.indexes_built == 1 {
                "index"
            } else {
                "indexes"
            }
        ));
    }
    if m.resumed {
        out.push(format!(
            "resumed an interrupted migration: {} rows were already copied",
            m.rows_already_copied
        ));
    }
    out.push(format!(
        "new database: {} (schema hash {})",
        m.new_path, m.schema_hash
    ));
    out.push(format!(
        "next: deploy the new service on {} (it waits while the status is migrating), then run `mig drain`",
        m.new_path
    ));
    out
}

pub fn drain_summary(d: &DrainSummary) -> Vec<String> {
    let mut out = vec![
        format!(
            "drained: replayed {} entries in {:.1} s",
            d.entries_replayed, d.seconds
        ),
        format!(
            "writes refused for {:.0} ms (attempts: {})",
            d.freeze_ms, d.attempts
        ),
        format!("replay checkpoint: {}", d.checkpoint),
    ];
    let next = match d.verify_stage.as_str() {
        "verified" => {
            let mut line = format!(
                "verified before the freeze: {} rows in {:.1} s (certified)",
                d.verified_rows, d.verify_seconds
            );
            if d.rows_repaired > 0 {
                line.push_str(&format!(", {} row(s) repaired", d.rows_repaired));
            }
            out.push(line);
            "next: run `mig cutover`"
        }
        "skipped" => {
            out.push("verify: skipped (--skip-verify); not certified".into());
            "next: run `mig verify` to certify the copy, then `mig cutover` (or `mig cutover --skip-verify`)"
        }
        _ => {
            out.push("verify: already certified by an earlier verify".into());
            "next: run `mig cutover`"
        }
    };
    out.extend(d.warnings.iter().map(|w| format!("warning: {w}")));
    out.push(next.into());
    out
}

/// Per-table results, then the one line a script or a person checks.
pub fn verify_summary(v: &VerifySummary) -> Vec<String> {
    let mut out: Vec<String> = v
        .tables
        .iter()
        .map(|t| {
            let mut line = format!("  {}: {} rows in {} chunk(s)", t.table, t.rows, t.chunks);
            if t.chunks_recopied > 0 || t.rows_repaired > 0 {
                line.push_str(&format!(
                    ", {} chunk(s) recopied ({} row(s) repaired)",
                    t.chunks_recopied, t.rows_repaired
                ));
            }
            line
        })
        .collect();
    out.push(format!(
        "verified: {} rows in {} tables, {} differences ({:.1} s)",
        v.rows,
        v.tables.len(),
        v.differences,
        v.seconds
    ));
    if v.chunks_recopied > 0 {
        out.push(format!(
            "repaired: {} chunk(s) recopied, {} row(s) differed before the repair",
            v.chunks_recopied, v.rows_repaired
        ));
    }
    if v.certified {
        out.push(format!("certified at replay checkpoint {}", v.log_position));
    }
    if !v.queries.is_empty() {
        out.extend(queries(v));
    }
    out
}

/// The query baseline: one line per query, then the verdict.
fn queries(v: &VerifySummary) -> Vec<String> {
    let mut out = vec!["queries (median ms, old -> new):".to_string()];
    for q in &v.queries {
        out.push(format!(
            "  {:>3}. line {:<4} {:>9.3} -> {:>9.3}  {:>6.2}x{}  {}",
            q.number,
            q.line,
            q.old_ms,
            q.new_ms,
            q.ratio,
            if q.slower { "  SLOWER" } else { "" },
            one_line(&q.sql, 60)
        ));
    }
    out.push(match v.queries_slower {
        0 => format!("queries: {} timed, none more than 2x slower on the new database", v.queries.len()),
        n => format!(
            "queries: {n} of {} more than 2x slower on the new database: check the new schema for a lost index",
            v.queries.len()
        ),
    });
    out
}

fn one_line(sql: &str, max: usize) -> String {
    let flat = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        format!("{}…", flat.chars().take(max).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mig::proto::{JobInfo, JobKind, TableSummary};

    #[test]
    fn started_names_the_job() {
        let s = JobStarted {
            job: Some(JobInfo {
                job_id: "j1".into(),
                database: "local".into(),
                kind: JobKind::Migrate as i32,
                ..Default::default()
            }),
            resumed: true,
        };
        assert_eq!(
            started(&s),
            "migrate job j1 started on local, resuming an interrupted one"
        );
    }

    #[test]
    fn progress_lines() {
        let c = CopyProgress {
            table: "customer".into(),
            table_rows_done: 50,
            table_rows_total: 200,
            rows_done: 250,
            rows_total: 1000,
            tables_done: 1,
            tables_total: 4,
            rows_per_sec: 1234.4,
            ..Default::default()
        };
        assert_eq!(
            copy(&c),
            "copy: 250/1000 rows (25%), table customer 50/200, 1/4 tables, rate not measured yet, ETA unknown (table unknown)"
        );
        let c = CopyProgress {
            recent_rows_per_sec: Some(50.0),
            eta_seconds: Some(15.0),
            table_eta_seconds: Some(3.0),
            ..c
        };
        assert!(
            copy(&c).ends_with(", 50 rows/s, ETA 15s (table 3s)"),
            "{}",
            copy(&c)
        );
        let r = ReplayProgress {
            applied: 10,
            pending: 5,
            lag_seconds: 0.26,
            entries_per_sec: 99.6,
        };
        assert_eq!(
            replay(&r),
            "replay: 10 applied, 5 pending, lag 0.3 s, 100 entries/s"
        );
        assert_eq!(percent(0, 0), "100%");
    }

    #[test]
    fn eta_is_unknown_until_there_is_a_rate_then_readable() {
        assert_eq!(eta(None), "unknown");
        assert_eq!(eta(Some(f64::INFINITY)), "unknown");
        assert_eq!(eta(Some(0.4)), "0s");
        assert_eq!(eta(Some(42.0)), "42s");
        assert_eq!(eta(Some(187.0)), "3m07s");
        assert_eq!(eta(Some(7_500.0)), "2h05m");
    }

    #[test]
    fn verify_lines_name_the_table_and_the_whole() {
        let v = VerifyProgress {
            table: "orders".into(),
            table_rows_done: 300,
            table_rows_total: 300,
            rows_done: 500,
            rows_total: 1000,
            tables_done: 2,
            tables_total: 3,
            table_finished: true,
            eta_seconds: Some(4.2),
            ..Default::default()
        };
        assert_eq!(
            verify(&v),
            "verify: orders compared, 300 rows (2/3 tables, 500/1000 rows, 50%), ETA 4s"
        );
    }

    #[test]
    fn steps_and_notices() {
        let p = PhaseChanged {
            step: "copy".into(),
            message: "copying 4 tables".into(),
        };
        assert_eq!(step(&p), "[copy] copying 4 tables");
        let n = Notice {
            level: "warn".into(),
            message: "slow disk".into(),
        };
        assert_eq!(notice(&n), "warning: slow disk");
        let ev = JobEvent {
            event: Some(Event::Notice(n)),
            ..Default::default()
        };
        assert_eq!(line(&ev).as_deref(), Some("warning: slow disk"));
    }

    #[test]
    fn migrate_summary_has_the_totals_then_one_line_per_table() {
        let m = MigrateSummary {
            tables: 2,
            rows: 300,
            seconds: 1.5,
            rows_per_sec: 200.0,
            per_table: vec![
                TableSummary {
                    table: "customer".into(),
                    rows: 100,
                    seconds: 0.5,
                    ..Default::default()
                },
                TableSummary {
                    table: "tag".into(),
                    rows: 200,
                    seconds: 1.0,
                    ..Default::default()
                },
            ],
            new_path: "new.db".into(),
            schema_hash: "abc123".into(),
            resumed: false,
            indexes_built: 1,
            ..Default::default()
        };
        let lines = migrate_summary(&m);
        assert_eq!(
            lines[0],
            "copied 300 rows in 2 tables in 1.5 s (200 rows/s)"
        );
        assert_eq!(lines[1], "  customer  100 rows in 0.5 s");
        assert_eq!(lines[2], "  tag       200 rows in 1.0 s");
        assert_eq!(lines[3], "built 1 deferred index");
        assert_eq!(lines[4], "new database: new.db (schema hash abc123)");
    }

    #[test]
    fn a_resumed_summary_counts_this_runs_rows_and_says_how_many_were_there() {
        let m = MigrateSummary {
            tables: 1,
            rows: 300,
            seconds: 2.0,
            rows_per_sec: 150.0,
            per_table: vec![TableSummary {
                table: "ticket".into(),
                rows: 300,
                seconds: 2.0,
                already_copied: 195_487,
            }],
            resumed: true,
            rows_already_copied: 195_487,
            ..Default::default()
        };
        let lines = migrate_summary(&m);
        assert_eq!(
            lines[0],
            "copied 300 rows in 1 tables in 2.0 s (150 rows/s)"
        );
        assert_eq!(
            lines[1],
            "  ticket  300 rows in 2.0 s (195487 copied before)"
        );
        assert_eq!(
            lines[2],
            "resumed an interrupted migration: 195487 rows were already copied"
        );
    }

    #[test]
    fn drain_summary_reports_freeze_and_attempts() {
        let d = DrainSummary {
            entries_replayed: 42,
            seconds: 0.31,
            freeze_ms: 12.4,
            attempts: 1,
            checkpoint: 99,
            warnings: vec!["w".into()],
            verify_stage: "verified".into(),
            verified_rows: 1000,
            rows_repaired: 0,
            verify_seconds: 0.42,
        };
        assert_eq!(
            drain_summary(&d),
            vec![
                "drained: replayed 42 entries in 0.3 s",
                "writes refused for 12 ms (attempts: 1)",
                "replay checkpoint: 99",
                "verified before the freeze: 1000 rows in 0.4 s (certified)",
                "warning: w",
                "next: run `mig cutover`",
            ]
        );
        let skipped = DrainSummary {
            verify_stage: "skipped".into(),
            ..d
        };
        assert!(drain_summary(&skipped)
            .last()
            .is_some_and(|l| l.starts_with("next: run `mig verify`")));
    }

    #[test]
    fn verify_summary_flags_a_slower_query() {
        let v = VerifySummary {
            certified: true,
            log_position: 7,
            queries: vec![mig::proto::QueryTiming {
                number: 1,
                line: 3,
                sql: "SELECT *\n FROM t WHERE a = 1".into(),
                old_ms: 0.5,
                new_ms: 20.0,
                ratio: 40.0,
                slower: true,
                ..Default::default()
            }],
            queries_slower: 1,
            ..Default::default()
        };
        let lines = verify_summary(&v);
        assert!(lines.contains(&"certified at replay checkpoint 7".to_string()));
        assert!(
            lines
                .iter()
                .any(|l| l.contains("SLOWER") && l.contains("line 3")),
            "{lines:#?}"
        );
        assert!(lines
            .last()
            .is_some_and(|l| l.starts_with("queries: 1 of 1 more than 2x slower")));
    }
}
