//! One line of text per job event. Pure functions: the progress renderer
//! decides when to print; `summaries` has what a completed job prints.

use mig::proto::job_event::Event;
use mig::proto::{
    CopyProgress, JobEvent, JobStarted, Notice, PhaseChanged, ReplayProgress, VerifyProgress,
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
/// A finished copy has no rate or ETA left to show.
pub fn copy(c: &CopyProgress) -> String {
    if c.tables_total > 0 && c.tables_done >= c.tables_total && c.rows_done >= c.rows_total {
        return format!(
            "copy: {}/{} rows (100%), {}/{} tables, done",
            c.rows_done, c.rows_total, c.tables_done, c.tables_total
        );
    }
    let table_eta = if c.table_rows_total > 0 && c.table_rows_done >= c.table_rows_total {
        "done".to_string()
    } else {
        eta(c.table_eta_seconds)
    };
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
        table_eta,
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

#[cfg(test)]
mod tests {
    use super::*;
    use mig::proto::{JobInfo, JobKind};

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
    fn a_finished_copy_reads_done_not_eta_unknown() {
        let c = CopyProgress {
            table: "tag".into(),
            table_rows_done: 800,
            table_rows_total: 800,
            rows_done: 1700,
            rows_total: 1700,
            tables_done: 4,
            tables_total: 4,
            ..Default::default()
        };
        assert_eq!(copy(&c), "copy: 1700/1700 rows (100%), 4/4 tables, done");
        let c = CopyProgress {
            tables_done: 3,
            rows_done: 900,
            eta_seconds: Some(2.0),
            ..c
        };
        assert!(copy(&c).ends_with("ETA 2s (table done)"), "{}", copy(&c));
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
}
