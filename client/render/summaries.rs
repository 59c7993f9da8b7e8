//! The summaries printed when a job completes: migrate, drain and verify
//! (with `verify --queries`' baseline), and revert's through
//! `reports::revert_summary`. Pure functions.

use mig::proto::job_completed::Summary;
use mig::proto::{DrainSummary, MigrateSummary, VerifySummary};

/// What a completed job's summary says, whichever job it was.
pub fn job_summary(summary: &Summary) -> Vec<String> {
    match summary {
        Summary::Migrate(m) => migrate_summary(m),
        Summary::Drain(d) => drain_summary(d),
        Summary::Verify(v) => verify_summary(v),
        Summary::Revert(r) => super::reports::revert_summary(r),
    }
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
    let attempts = if d.attempts == 1 {
        "1 attempt".to_string()
    } else {
        format!("{} attempts", d.attempts)
    };
    // No attempt: an earlier drain had completed, this job only cut over.
    let mut out = if d.attempts == 0 {
        vec!["already drained by an earlier drain: this one only cut over".to_string()]
    } else {
        vec![
            format!(
                "drained: replayed {} entries in {:.1} s",
                d.entries_replayed, d.seconds
            ),
            format!("freeze: {} ({attempts})", duration_ms(d.freeze_ms)),
        ]
    };
    match &d.cutover {
        Some(c) => out.push(format!(
            "writes refused for {}: from the freeze until {} was ready (cut over); a write waiting on the freeze's lock in SQLite's default busy handler learns it up to one retry sleep later (up to {} ms after a wait this long)",
            duration_ms(d.refused_ms),
            c.new_path,
            super::reports::busy_retry_sleep_ms(d.refused_ms)
        )),
        None => out.push(format!(
            "writes refused for {} so far: they stay refused until `mig cutover`",
            duration_ms(d.refused_ms)
        )),
    }
    out.push(format!("replay checkpoint: {}", d.checkpoint));
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
    match &d.cutover {
        Some(c) => out.extend(super::reports::after_cutover(c)),
        None => out.push(next.into()),
    }
    out
}

/// `12.4 ms`, `3.21 s`: an outage as an operator reads it.
pub fn duration_ms(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
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
    use mig::proto::TableSummary;

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
            refused_ms: 13.06,
            cutover: None,
        };
        assert_eq!(
            drain_summary(&d),
            vec![
                "drained: replayed 42 entries in 0.3 s",
                "freeze: 12.4 ms (1 attempt)",
                "writes refused for 13.1 ms so far: they stay refused until `mig cutover`",
                "replay checkpoint: 99",
                "verified before the freeze: 1000 rows in 0.4 s (certified)",
                "warning: w",
                "next: run `mig cutover`",
            ]
        );
        let cut = DrainSummary {
            refused_ms: 1512.0,
            attempts: 2,
            cutover: Some(mig::proto::CutoverReport {
                new_path: "new.db".into(),
                ..Default::default()
            }),
            ..d.clone()
        };
        let lines = drain_summary(&cut);
        assert_eq!(lines[1], "freeze: 12.4 ms (2 attempts)");
        assert_eq!(
            lines[2],
            "writes refused for 1.51 s: from the freeze until new.db was ready (cut over); a write waiting on the freeze's lock in SQLite's default busy handler learns it up to one retry sleep later (up to 100 ms after a wait this long)"
        );
        assert!(lines
            .last()
            .is_some_and(|l| l.starts_with("next: move traffic")));
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
