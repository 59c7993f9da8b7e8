//! The live view of a rollout: on a terminal one indicatif line per target
//! (state, step, %, rows/s, replay lag) under an aggregate line; without a
//! terminal plain lines (state changes always, progress at most once a
//! second per target); with `--json` one JSON object per line. Above
//! [`COMPACT_ABOVE`] targets (a rollout over thousands of tenants) it is
//! compact: counts per state, rows/s and an ETA, the slowest running and
//! the failed targets by name — on a terminal two lines, without one an
//! aggregate line every few seconds and a line per failure. Writing the
//! live view is best effort: a closed stdout must not fail a migration.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use mig::proto::{CopyProgress, VerifyProgress};
use serde_json::json;

use super::bars::{bar_message, bars, Bars, View, TICK};
use super::state::State;
use crate::render::progress::Style;
use crate::render::{emit, json_line};

/// Plain and JSON progress lines per target are printed at most this often.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);
/// More active targets than this: the compact view.
pub const COMPACT_ABOVE: usize = 50;
/// The compact view's plain aggregate line is printed this often.
const COMPACT_EVERY: Duration = Duration::from_secs(5);

pub(super) struct Row {
    pub(super) state: State,
    pub(super) step: String,
    pub(super) done: u64,
    pub(super) total: u64,
    pub(super) rate: f64,
    /// The agent's estimate of the time left (copy or verify).
    pub(super) eta: Option<f64>,
    pub(super) lag: Option<f64>,
    pub(super) last_line: Option<Instant>,
    /// When it started running (for the slowest).
    pub(super) since: Option<Instant>,
}

/// One copy or verify progress event, as the dashboard shows it.
struct Work<'a> {
    kind: &'a str,
    done: u64,
    total: u64,
    rate: f64,
    eta: Option<f64>,
}

/// What the run does, as its aggregate line says: a rollout copies rows
/// (rows/s); a revert carries writes back (no rows to count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    Rollout,
    Revert,
}

impl Run {
    pub fn name(self) -> &'static str {
        match self {
            Run::Rollout => "rollout",
            Run::Revert => "revert",
        }
    }
}

pub struct Dashboard {
    style: Style,
    run: Run,
    rollout: String,
    names: Vec<String>,
    rows: Mutex<Vec<Row>>,
    bars: Option<Bars>,
    compact: bool,
    started: Instant,
    /// When the aggregate was last drawn (or printed, in plain compact).
    drawn: Mutex<Option<Instant>>,
}

impl Dashboard {
    /// `names`: the targets, in execution order; `active`: which of them
    /// this run acts on (the others get no line).
    pub fn new(
        style: Style,
        (run, rollout): (Run, &str),
        names: Vec<String>,
        active: &[bool],
    ) -> Dashboard {
        let rows = names
            .iter()
            .map(|_| Row {
                state: State::Queued,
                step: String::new(),
                done: 0,
                total: 0,
                rate: 0.0,
                eta: None,
                lag: None,
                last_line: None,
                since: None,
            })
            .collect();
        let compact = active.iter().filter(|a| **a).count() > COMPACT_ABOVE;
        let view = if compact {
            View::Compact
        } else {
            View::PerTarget
        };
        let bars = (style == Style::Bars).then(|| bars(&names, active, view));
        let d = Dashboard {
            style,
            run,
            rollout: rollout.to_string(),
            names,
            rows: Mutex::new(rows),
            bars,
            compact,
            started: Instant::now(),
            drawn: Mutex::new(None),
        };
        d.aggregate();
        d
    }

    /// A target changed state; `detail` says why or what it is doing.
    pub fn state(&self, i: usize, state: State, detail: &str) {
        self.update(i, |r| {
            if state == State::Running && r.state != State::Running {
                r.since = Some(Instant::now());
            }
            r.state = state;
            r.step = detail.to_string();
            // Copy events set them again while a copy runs.
            r.rate = 0.0;
            r.eta = None;
        });
        let name = self.name(i);
        let failed = matches!(state, State::Failed | State::Cancelled);
        match self.style {
            Style::Json => self.json(
                json!({"target": name, "event": "state", "state": state.name(), "detail": detail}),
            ),
            Style::Plain if self.compact && !failed => {}
            Style::Plain if detail.is_empty() => line(&format!("{name}: {}", state.name())),
            Style::Plain => line(&format!("{name}: {}: {detail}", state.name())),
            Style::Bars => {}
        }
        self.aggregate();
    }

    /// A running target moved to another step (copy, catch-up, drain...).
    pub fn step(&self, i: usize, step: &str) {
        self.update(i, |r| r.step = step.to_string());
        let name = self.name(i);
        match self.style {
            Style::Json => self.json(json!({"target": name, "event": "step", "step": step})),
            Style::Plain if self.compact => {}
            Style::Plain => line(&format!("{name}: {step}")),
            Style::Bars => {}
        }
    }

    pub fn copy(&self, i: usize, c: &CopyProgress) {
        self.work(
            i,
            Work {
                kind: "copy",
                done: c.rows_done,
                total: c.rows_total,
                rate: c.recent_rows_per_sec.unwrap_or(0.0),
                eta: c.eta_seconds,
            },
        );
    }

    pub fn verify(&self, i: usize, v: &VerifyProgress) {
        self.work(
            i,
            Work {
                kind: "verify",
                done: v.rows_done,
                total: v.rows_total,
                rate: v.recent_rows_per_sec.unwrap_or(0.0),
                eta: v.eta_seconds,
            },
        );
    }

    fn work(&self, i: usize, w: Work<'_>) {
        let last = w.done >= w.total;
        let due = self.update(i, |r| {
            r.done = w.done;
            r.total = w.total;
            r.rate = w.rate;
            r.eta = w.eta;
            due(&mut r.last_line, last)
        });
        let name = self.name(i);
        let eta = crate::render::events::eta(w.eta);
        match (self.style, due) {
            (Style::Json, true) => self.json(json!({"target": name, "event": w.kind, "rows_done": w.done, "rows_total": w.total, "rows_per_sec": w.rate, "eta_seconds": w.eta})),
            (Style::Plain, true) if !self.compact => {
                let rate = if w.rate > 0.0 { format!("{:.0} rows/s, ", w.rate) } else { String::new() };
                line(&format!(
                    "{name}: {} {}% ({}/{} rows, {rate}ETA {eta})",
                    w.kind, percent(w.done, w.total), w.done, w.total
                ))
            }
            _ => {}
        }
        self.aggregate();
    }

    /// Replay progress (from a drain's events or a catch-up poll).
    pub fn replay(&self, i: usize, pending: u64, lag_seconds: f64) {
        let due = self.update(i, |r| {
            r.lag = Some(lag_seconds);
            due(&mut r.last_line, false)
        });
        let name = self.name(i);
        match (self.style, due) {
            (Style::Json, true) => self.json(json!({"target": name, "event": "replay", "pending": pending, "lag_seconds": lag_seconds})),
            (Style::Plain, true) if !self.compact => line(&format!(
                "{name}: replay {pending} pending, lag {lag_seconds:.1} s"
            )),
            _ => {}
        }
        self.aggregate();
    }

    /// A message for the operator, above the bars (not in JSON mode).
    pub fn say(&self, text: &str) {
        match (&self.style, &self.bars) {
            (Style::Json, _) => {}
            (_, Some(b)) => b.multi.suspend(|| line(text)),
            (_, None) => line(text),
        }
    }

    /// Removes the bars; the summary follows.
    pub fn finish(&self) {
        if let Some(b) = &self.bars {
            for bar in &b.targets {
                bar.finish_and_clear();
            }
            b.total.finish_and_clear();
            if let Some(n) = &b.names {
                n.finish_and_clear();
            }
        }
    }

    fn name(&self, i: usize) -> &str {
        self.names.get(i).map_or("?", String::as_str)
    }

    fn json(&self, mut v: serde_json::Value) {
        if let Some(o) = v.as_object_mut() {
            o.insert("rollout".into(), self.rollout.clone().into());
        }
        let _ = json_line(&v);
    }

    /// Applies `f` to row `i` and redraws its bar; returns what `f` did.
    fn update<R: Default>(&self, i: usize, f: impl FnOnce(&mut Row) -> R) -> R {
        let Ok(mut rows) = self.rows.lock() else {
            return R::default();
        };
        let Some(row) = rows.get_mut(i) else {
            return R::default();
        };
        let out = f(row);
        if let Some(bar) = self.bars.as_ref().and_then(|b| b.targets.get(i)) {
            bar.set_length(row.total.max(1));
            bar.set_position(if matches!(row.state, State::CutOver | State::Reverted) {
                row.total.max(1)
            } else {
                row.done
            });
            bar.set_message(bar_message(row));
        }
        out
    }

    /// Redraws the aggregate: on every event for a few targets, at most
    /// every [`TICK`] (or prints it every [`COMPACT_EVERY`]) for many.
    fn aggregate(&self) {
        if self.style == Style::Json || (self.bars.is_none() && !self.compact) {
            return;
        }
        let every = match self.bars {
            Some(_) if !self.compact => Duration::ZERO,
            Some(_) => TICK,
            None => COMPACT_EVERY,
        };
        {
            let Ok(mut drawn) = self.drawn.lock() else {
                return;
            };
            if drawn.is_some_and(|t| t.elapsed() < every) {
                return;
            }
            *drawn = Some(Instant::now());
        }
        let Ok(rows) = self.rows.lock() else { return };
        let (total, names) = if self.compact {
            super::compact::lines(
                (self.run, &self.rollout),
                &self.names,
                &rows,
                self.started.elapsed(),
            )
        } else {
            let mut total = aggregate(self.run, &self.rollout, &rows);
            if self.run == Run::Rollout {
                total.push_str(&format!(" · {:.0} rows/s", rate(&rows)));
            }
            (total, String::new())
        };
        drop(rows);
        match &self.bars {
            Some(b) => {
                b.total.set_message(total);
                if let Some(n) = &b.names {
                    n.set_message(names);
                }
            }
            None => {
                line(&total);
                if !names.is_empty() {
                    line(&format!("  {names}"));
                }
            }
        }
    }
}

/// `rollout r1: 1 done, 2 running, 1 failed, 1 queued` (`revert r1: …`).
pub(super) fn aggregate(run: Run, id: &str, rows: &[Row]) -> String {
    let count = |f: &dyn Fn(State) -> bool| rows.iter().filter(|r| f(r.state)).count();
    format!(
        "{} {id}: {} done, {} running, {} failed, {} queued",
        run.name(),
        count(&State::is_success),
        count(&|s| s == State::Running),
        count(&|s| matches!(s, State::Failed | State::Cancelled | State::Skipped)),
        count(&|s| s == State::Queued),
    )
}

/// Rows per second of the running targets' copies, together.
pub(super) fn rate(rows: &[Row]) -> f64 {
    rows.iter()
        .filter(|r| r.state == State::Running)
        .map(|r| r.rate)
        .sum()
}

fn due(last: &mut Option<Instant>, always: bool) -> bool {
    let now = Instant::now();
    if always || last.is_none_or(|t| now.duration_since(t) >= PROGRESS_EVERY) {
        *last = Some(now);
        return true;
    }
    false
}

fn percent(done: u64, total: u64) -> u64 {
    done.saturating_mul(100).checked_div(total).unwrap_or(100)
}

fn line(text: &str) {
    let _ = emit(&[text.to_string()]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_aggregate_counts_every_state_once() {
        let row = |state, rate| Row {
            state,
            step: String::new(),
            done: 0,
            total: 0,
            rate,
            eta: None,
            lag: None,
            last_line: None,
            since: None,
        };
        let rows = [
            row(State::CutOver, 0.0),
            row(State::Running, 100.0),
            row(State::Running, 50.0),
            row(State::Failed, 0.0),
            row(State::Queued, 0.0),
        ];
        assert_eq!(
            aggregate(Run::Rollout, "r1", &rows),
            "rollout r1: 1 done, 2 running, 1 failed, 1 queued"
        );
        assert_eq!(rate(&rows), 150.0);
        assert_eq!(
            aggregate(Run::Revert, "r1", &rows),
            "revert r1: 1 done, 2 running, 1 failed, 1 queued"
        );
        assert_eq!(percent(1, 4), 25);
        assert_eq!(percent(0, 0), 100);
    }
}
