//! The compact live view of a rollout over many targets (see
//! `dashboard.rs`): counts per state, rows copied, rows/s, targets/s and an
//! ETA from the targets finished so far; then the slowest running and the
//! failed targets by name. Pure text from the dashboard's rows.

use std::time::Duration;

use super::dashboard::{aggregate, Row, Run};
use super::state::State;

/// Names shown per list (slowest, failed).
const NAMES_SHOWN: usize = 3;

/// The compact view: counts, rows/s and ETA; then the slowest running and
/// the failed targets by name.
pub(super) fn lines(
    (run, id): (Run, &str),
    names: &[String],
    rows: &[Row],
    elapsed: Duration,
) -> (String, String) {
    let secs = elapsed.as_secs_f64().max(1e-3);
    let finished = rows.iter().filter(|r| r.state.is_final()).count();
    let queued = rows.iter().filter(|r| r.state == State::Queued).count();
    let running = rows.iter().filter(|r| r.state == State::Running).count();
    let copied: u64 = rows.iter().map(|r| r.done).sum();
    let eta = match finished {
        0 => "unknown".to_string(),
        n => {
            let left = (queued + running) as f64 * secs / n as f64;
            crate::render::events::eta(Some(left))
        }
    };
    // Rows only where rows are copied: a revert carries writes back.
    let copies = match run {
        Run::Rollout => format!("{copied} rows copied, {:.0} rows/s, ", copied as f64 / secs),
        Run::Revert => String::new(),
    };
    let total = format!(
        "{} · {copies}{:.1} targets/s · ETA {eta}",
        aggregate(run, id, rows),
        finished as f64 / secs
    );
    let mut slow: Vec<(usize, Duration)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.state == State::Running)
        .filter_map(|(i, r)| Some((i, r.since?.elapsed())))
        .collect();
    slow.sort_by_key(|s| std::cmp::Reverse(s.1));
    let name = |i: usize| names.get(i).map_or("?", String::as_str);
    let slowest: Vec<String> = slow
        .iter()
        .take(NAMES_SHOWN)
        .map(|(i, d)| format!("{} {:.0}s", name(*i), d.as_secs_f64()))
        .collect();
    let failed: Vec<usize> = (0..rows.len())
        .filter(|&i| matches!(rows[i].state, State::Failed | State::Cancelled))
        .collect();
    let mut parts = Vec::new();
    if !slowest.is_empty() {
        parts.push(format!("slowest: {}", slowest.join(", ")));
    }
    if !failed.is_empty() {
        let shown: Vec<&str> = failed.iter().take(NAMES_SHOWN).map(|&i| name(i)).collect();
        let more = failed.len() - shown.len();
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        parts.push(format!("failed: {}{more}", shown.join(", ")));
    }
    (total, parts.join(" · "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(state: State, done: u64, rate: f64) -> Row {
        Row {
            state,
            step: String::new(),
            done,
            total: done,
            rate,
            eta: None,
            lag: None,
            last_line: None,
            since: None,
        }
    }

    #[test]
    fn the_line_names_its_run_and_gives_the_rate_once_or_not_at_all() {
        let rows = [
            row(State::CutOver, 1000, 0.0),
            row(State::Running, 500, 250.0),
            row(State::Queued, 0, 0.0),
        ];
        let names = ["a".to_string(), "b".to_string(), "c".to_string()];
        let ten = Duration::from_secs(10);
        let (total, _) = lines((Run::Rollout, "r1"), &names, &rows, ten);
        assert_eq!(
            total,
            "rollout r1: 1 done, 1 running, 0 failed, 1 queued · 1500 rows copied, 150 rows/s, 0.1 targets/s · ETA 20s"
        );
        assert_eq!(total.matches("rows/s").count(), 1, "{total}");
        let (total, _) = lines((Run::Revert, "r2"), &names, &rows, ten);
        assert_eq!(
            total,
            "revert r2: 1 done, 1 running, 0 failed, 1 queued · 0.1 targets/s · ETA 20s"
        );
    }
}
