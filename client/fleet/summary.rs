//! The end of a fleet run: one row per target (state, duration, what
//! happened), a totals line, and the exit status — 0 only when every
//! target reached what was asked.

use std::time::Duration;

use serde_json::json;

use super::file::Fleet;
use super::state::{Outcome, State};
use super::table::table;
use crate::exit::{error, failed, Exit};

/// Targets listed by name in a compact summary, per list.
const LISTED: usize = 20;

/// The summary table and the totals line; for more than
/// `dashboard::COMPACT_ABOVE` targets, the totals, the targets that did not
/// get there and the slowest, by name (`--json` has every target).
/// `title`: the run and its id (`rollout r-1`, `revert r-2`).
pub fn lines(fleet: &Fleet, title: &str, outcomes: &[Option<Outcome>]) -> Vec<String> {
    if outcomes.iter().flatten().count() > super::dashboard::COMPACT_ABOVE {
        return compact(fleet, title, outcomes);
    }
    let rows: Vec<Vec<String>> = fleet
        .targets
        .iter()
        .zip(outcomes)
        .filter_map(|(t, o)| {
            let o = o.as_ref()?;
            Some(vec![
                t.name.clone(),
                t.wave.to_string(),
                o.state.name().to_string(),
                duration(o.elapsed),
                o.detail.clone(),
            ])
        })
        .collect();
    let mut out = table(&["TARGET", "WAVE", "STATE", "DURATION", "DETAIL"], &rows);
    out.push(totals(title, outcomes));
    out
}

fn compact(fleet: &Fleet, title: &str, outcomes: &[Option<Outcome>]) -> Vec<String> {
    let ran: Vec<(&str, &Outcome)> = fleet
        .targets
        .iter()
        .zip(outcomes)
        .filter_map(|(t, o)| Some((t.name.as_str(), o.as_ref()?)))
        .collect();
    let mut out = vec![totals(title, outcomes)];
    out.extend(refused(&ran));
    let short: Vec<&(&str, &Outcome)> = ran
        .iter()
        .filter(|(_, o)| !o.state.is_success() && o.state != State::Held)
        .collect();
    if !short.is_empty() {
        out.push(format!("{} target(s) did not get there:", short.len()));
        out.extend(
            short
                .iter()
                .take(LISTED)
                .map(|(n, o)| format!("  {n}: {}: {}", o.state.name(), o.detail)),
        );
        if short.len() > LISTED {
            out.push(format!(
                "  ... and {} more (`--json` lists every target)",
                short.len() - LISTED
            ));
        }
    }
    let mut slow: Vec<&(&str, &Outcome)> = ran
        .iter()
        .filter(|(_, o)| o.elapsed > Duration::ZERO)
        .collect();
    slow.sort_by_key(|s| std::cmp::Reverse(s.1.elapsed));
    if !slow.is_empty() {
        let names: Vec<String> = slow
            .iter()
            .take(5)
            .map(|(n, o)| format!("{n} {}", duration(o.elapsed)))
            .collect();
        out.push(format!("slowest: {}", names.join(", ")));
    }
    out
}

/// `writes refused for 12 target(s): median 84.2 ms, max 312.5 ms (eu-7)`:
/// the service's pause across the targets that cut over or reverted in
/// this run (none when no target did).
fn refused(ran: &[(&str, &Outcome)]) -> Option<String> {
    let mut each: Vec<(Duration, &str)> = ran
        .iter()
        .filter_map(|(n, o)| Some((o.refused?, *n)))
        .collect();
    each.sort();
    let (max, at) = *each.last()?;
    let median = each[(each.len() - 1) / 2].0;
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    Some(format!(
        "writes refused for {} target(s): median {}, max {} ({at})",
        each.len(),
        ms(median),
        ms(max)
    ))
}

/// One JSON object: the rollout id and every target's outcome.
pub fn json(fleet: &Fleet, rollout: &str, outcomes: &[Option<Outcome>]) -> serde_json::Value {
    let targets: Vec<serde_json::Value> = fleet
        .targets
        .iter()
        .zip(outcomes)
        .filter_map(|(t, o)| {
            let o = o.as_ref()?;
            Some(json!({
                "target": t.name,
                "state": o.state.name(),
                "seconds": o.elapsed.as_secs_f64(),
                "detail": o.detail,
                "writes_refused_ms": o.refused.map(|d| d.as_secs_f64() * 1000.0),
            }))
        })
        .collect();
    json!({ "rollout": rollout, "event": "summary", "targets": targets })
}

/// `rollout r-1: 3 cut over, 1 failed, 2 skipped`.
fn totals(title: &str, outcomes: &[Option<Outcome>]) -> String {
    let states = [
        State::CutOver,
        State::Reverted,
        State::Drained,
        State::Waiting,
        State::Failed,
        State::Cancelled,
        State::Skipped,
        State::Held,
    ];
    let parts: Vec<String> = states
        .iter()
        .filter_map(|&s| {
            let n = outcomes.iter().flatten().filter(|o| o.state == s).count();
            (n > 0).then(|| format!("{n} {}", s.name()))
        })
        .collect();
    format!("{title}: {}", parts.join(", "))
}

/// Ok when every target in the run reached its goal or is held by design
/// (waiting for a postponed cutover); otherwise the error whose exit code
/// says what went wrong (4 a verify found differences, 1 failed, 5
/// cancelled or skipped).
pub fn verdict(outcomes: &[Option<Outcome>]) -> anyhow::Result<()> {
    let count = |s: State| outcomes.iter().flatten().filter(|o| o.state == s).count();
    let (failed_n, cancelled, skipped) = (
        count(State::Failed),
        count(State::Cancelled),
        count(State::Skipped),
    );
    let lost = outcomes
        .iter()
        .flatten()
        .filter(|o| o.exit == Some(Exit::DataLoss))
        .count();
    if lost > 0 {
        return Err(error(
            Exit::DataLoss,
            format!(
                "{lost} target(s) differ from the mapping of their old databases ({failed_n} failed in all); their old databases keep serving (see the summary above)"
            ),
        ));
    }
    if failed_n > 0 {
        return Err(failed(format!(
            "{failed_n} target(s) failed, {skipped} skipped; their old databases keep serving (see the summary above)"
        )));
    }
    if cancelled + skipped > 0 {
        return Err(error(
            Exit::Cancelled,
            format!("{cancelled} target(s) cancelled, {skipped} skipped"),
        ));
    }
    Ok(())
}

/// The line for a `max_failures` limit passed by a target that ended
/// after every other target had started: the scheduler's "rollout
/// stopped" goes to the targets it skips, and here there are none, so the
/// summary says the limit was reached and that it left no target un-run.
/// `None` when no limit was set, it was not passed, or targets were
/// skipped (their lines say it).
pub fn limit_reached_last(outcomes: &[Option<Outcome>], allowed: Option<u64>) -> Option<String> {
    let allowed = allowed?;
    let count =
        |f: &dyn Fn(State) -> bool| outcomes.iter().flatten().filter(|o| f(o.state)).count();
    let failures = count(&|s| matches!(s, State::Failed | State::Cancelled)) as u64;
    if failures <= allowed || count(&|s| s == State::Skipped) > 0 {
        return None;
    }
    Some(format!(
        "max_failures reached: {failures} target(s) failed, more than the {allowed} allowed; no target was left un-run (the last failure came after every target had started, and the limit only stops targets not yet started)"
    ))
}

fn duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1}s")
    } else {
        format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(state: State) -> Option<Outcome> {
        Some(Outcome {
            state,
            detail: String::new(),
            elapsed: Duration::from_millis(1500),
            exit: (state == State::Failed).then_some(Exit::Failed),
            refused: None,
        })
    }

    #[test]
    fn refused_line_gives_the_median_and_the_slowest_target() {
        let with = |ms: u64| Outcome {
            refused: Some(Duration::from_millis(ms)),
            ..o(State::CutOver).expect("outcome")
        };
        let (a, b, c, d) = (with(80), with(310), with(95), o(State::Failed).expect("o"));
        let ran = [("t1", &a), ("t2", &b), ("t3", &c), ("t4", &d)];
        assert_eq!(
            refused(&ran).as_deref(),
            Some("writes refused for 3 target(s): median 95.0 ms, max 310.0 ms (t2)")
        );
        assert_eq!(refused(&ran[3..]), None);
    }

    #[test]
    fn totals_and_verdict_say_what_happened() {
        let all = [o(State::CutOver), o(State::Failed), o(State::Skipped), None];
        assert_eq!(
            totals("rollout r", &all),
            "rollout r: 1 cut over, 1 failed, 1 skipped"
        );
        assert!(verdict(&all).is_err());
        assert!(verdict(&[o(State::CutOver), None]).is_ok());
        let mut differs = o(State::Failed);
        if let Some(d) = differs.as_mut() {
            d.exit = Some(Exit::DataLoss);
        }
        let e = verdict(&[differs, o(State::Failed)]).expect_err("differences fail");
        assert_eq!(crate::exit::classify(&e), Exit::DataLoss);
        assert_eq!(duration(Duration::from_secs(75)), "1m15s");
    }
}
