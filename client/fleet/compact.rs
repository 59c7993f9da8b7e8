//! The compact live view of a rollout over many targets (see
//! `dashboard.rs`): counts per state, rows copied, rows/s, targets/s and an
//! ETA from the targets finished so far; then the slowest running and the
//! failed targets by name. Pure text from the dashboard's rows.

use std::time::Duration;

use super::dashboard::{aggregate, Row};
use super::state::State;

/// Names shown per list (slowest, failed).
const NAMES_SHOWN: usize = 3;

/// The compact view: counts, rows/s and ETA; then the slowest running and
/// the failed targets by name.
pub(super) fn lines(
    rollout: &str,
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
    let total = format!(
        "{} · {copied} rows copied, {:.0} rows/s, {:.1} targets/s · ETA {eta}",
        aggregate(rollout, rows),
        copied as f64 / secs,
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
