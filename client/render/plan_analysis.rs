//! The analysis part of `mig plan`'s text: risk, dependencies, the
//! constraint pre-check, estimates and the rehearsal.

use mig::proto::{Estimates, PlanReport, Rehearsal, StatisticsPlan};

pub fn lines(p: &PlanReport) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(r) = &p.risk {
        out.push(format!("risk: {} (score {}/100)", level(r.level), r.score));
        for f in &p.risks {
            out.push(format!("  - {} {}: {}", level(f.level), f.score, f.reason));
        }
    }
    let deps: Vec<String> = p.dependencies.iter().map(|d| d.message.clone()).collect();
    list(&mut out, "dependencies that break", deps);
    let violations: Vec<String> = p
        .violations
        .iter()
        .map(|v| {
            let tag = if v.blocks { "blocks" } else { "warning" };
            format!("[{tag}] {}", v.message)
        })
        .collect();
    list(
        &mut out,
        "constraint pre-check (old rows vs new constraints)",
        violations,
    );
    if let Some(e) = &p.estimates {
        out.extend(estimates(e));
    }
    if let Some(s) = &p.statistics {
        out.push(statistics(s));
    }
    if let Some(r) = &p.rehearsal {
        out.extend(rehearsal(r));
    }
    out
}

fn statistics(s: &StatisticsPlan) -> String {
    if !s.old_analyzed {
        return "query statistics: none (the old database was never ANALYZEd; the new one will not be either)".into();
    }
    format!(
        "query statistics: {} carried from the old database, ANALYZE of {} indexes at migrate's end ({} rows, ~{})",
        s.carried,
        s.analyzed_indexes.len(),
        s.analyze_rows,
        seconds(s.analyze_seconds_estimate)
    )
}

fn level(l: i32) -> &'static str {
    super::names::risk_level(l)
}

fn list(out: &mut Vec<String>, title: &str, items: Vec<String>) {
    if items.is_empty() {
        out.push(format!("{title}: none"));
    } else {
        out.push(format!("{title}:"));
        out.extend(items.into_iter().map(|i| format!("  - {i}")));
    }
}

fn estimates(e: &Estimates) -> Vec<String> {
    let mut out = vec![format!("estimates (bytes from {}):", e.bytes_method)];
    let width = e.tables.iter().map(|t| t.table.len()).max().unwrap_or(0);
    for t in &e.tables {
        out.push(format!(
            "  {:width$}  {:>10} rows  {:>10}  copy ~{}",
            t.table,
            t.rows,
            bytes(t.bytes),
            seconds(t.copy_seconds)
        ));
    }
    let avail = if e.disk_available_bytes > 0 {
        bytes(e.disk_available_bytes)
    } else {
        "unknown".to_string()
    };
    out.push(format!(
        "  total: {} old, copy ~{} (measured on a sample, in memory: a lower bound)",
        bytes(e.old_bytes),
        seconds(e.copy_seconds)
    ));
    let short = e.disk_available_bytes > 0 && e.disk_available_bytes < e.disk_needed_bytes;
    out.push(format!(
        "  disk: the new database needs ~{}, {} free{}",
        bytes(e.disk_needed_bytes),
        avail,
        if short {
            " - NOT ENOUGH, free space first"
        } else {
            ""
        }
    ));
    out
}

fn rehearsal(r: &Rehearsal) -> Vec<String> {
    let verdict = if r.succeeded {
        "succeeded".to_string()
    } else {
        format!("FAILED: {}", r.error)
    };
    let mut out = vec![
        format!(
            "rehearsal on a private copy ({}% of rows): {verdict}",
            r.sample_percent
        ),
        format!(
            "  snapshot {} ({}), migrate {}, drain {}, cutover {}; {} rows copied",
            seconds(r.snapshot_seconds),
            bytes(r.snapshot_bytes),
            seconds(r.migrate_seconds),
            seconds(r.drain_seconds),
            seconds(r.cutover_seconds),
            r.rows_copied
        ),
    ];
    out.extend(sample(r));
    let width = r.tables.iter().map(|t| t.table.len()).max().unwrap_or(0);
    for t in &r.tables {
        out.push(format!(
            "  {:width$}  {} old rows -> {} new rows",
            t.table, t.old_rows, t.new_rows
        ));
    }
    for v in &r.violations {
        out.push(format!("  violation: {}", v.message));
    }
    out.push(format!("  new database size: {}", bytes(r.new_db_bytes)));
    out
}

/// What a sample really kept: in all, then per old table, largest first.
fn sample(r: &Rehearsal) -> Vec<String> {
    if r.sample.is_empty() {
        return Vec::new();
    }
    let rows: u64 = r.sample.iter().map(|t| t.rows).sum();
    let kept: u64 = r.sample.iter().map(|t| t.kept).sum();
    let mut out = vec![format!(
        "  the {}% sample kept {kept} of {rows} old rows ({}): the largest tables keep about {}%, every row a kept row references stays, tables under 1,000 rows stay whole",
        r.sample_percent,
        percent(kept, rows),
        r.sample_percent
    )];
    let width = r.sample.iter().map(|t| t.table.len()).max().unwrap_or(0);
    for t in &r.sample {
        let what = if t.whole {
            format!("{} rows kept whole", t.rows)
        } else if t.referenced > 0 {
            format!(
                "{} -> {} rows ({}), {} of them referenced by kept rows",
                t.rows,
                t.kept,
                percent(t.kept, t.rows),
                t.referenced
            )
        } else {
            format!(
                "{} -> {} rows ({})",
                t.rows,
                t.kept,
                percent(t.kept, t.rows)
            )
        };
        out.push(format!("    {:width$}  {what}", t.table));
    }
    out
}

/// `12.5%`.
fn percent(part: u64, whole: u64) -> String {
    format!("{:.1}%", part as f64 * 100.0 / whole.max(1) as f64)
}

/// `512 B`, `4.0 KiB`, `1.5 MiB`, `2.0 GiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

fn seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0} ms", s * 1000.0)
    } else {
        format!("{s:.1} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_a_person_writes_them() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(4096), "4.0 KiB");
        assert_eq!(bytes(3 * 1024 * 1024 / 2), "1.5 MiB");
        assert_eq!(seconds(0.0123), "12 ms");
        assert_eq!(seconds(75.0), "75.0 s");
        assert_eq!(percent(299, 3000), "10.0%");
        assert_eq!(percent(0, 0), "0.0%");
    }
}
