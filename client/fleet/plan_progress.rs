//! Progress while a fleet's plans are fetched (`fleet plan`, the
//! rollout's gate): over thousands of tenants that takes minutes, and a
//! silent terminal looks hung. Shown for more than
//! [`COMPACT_ABOVE`](super::dashboard::COMPACT_ABOVE) targets, as the
//! rollout's dashboard goes compact: one updating line on a terminal
//! (stderr), a `planned 412/1500 …` line every few seconds otherwise, and
//! `plan_progress` events on stderr with `--json` (stdout keeps its one
//! document); the summary follows at the end.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::json;

use super::dashboard::COMPACT_ABOVE;
use crate::render::progress::Style;
use crate::render::{emit, emit_err};

/// Plain lines and JSON events at most this often.
const EVERY: Duration = Duration::from_secs(2);
/// The terminal's line is redrawn at most this often.
const REDRAW: Duration = Duration::from_millis(100);

pub struct PlanProgress {
    style: Style,
    total: usize,
    done: AtomicUsize,
    started: Instant,
    shown: Mutex<Instant>,
}

impl PlanProgress {
    /// Progress for `total` plans (`None` for a few: the table comes soon),
    /// with its first line printed.
    pub fn start(json: bool, total: usize) -> Option<PlanProgress> {
        if total <= COMPACT_ABOVE {
            return None;
        }
        let p = PlanProgress {
            style: Style::pick(json),
            total,
            done: AtomicUsize::new(0),
            started: Instant::now(),
            shown: Mutex::new(Instant::now()),
        };
        p.show(0, false);
        Some(p)
    }

    /// One more plan came back (or failed); shown when it is time.
    pub fn one_done(&self) {
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        let every = if self.style == Style::Bars {
            REDRAW
        } else {
            EVERY
        };
        let Ok(mut shown) = self.shown.lock() else {
            return;
        };
        if shown.elapsed() >= every && done < self.total {
            *shown = Instant::now();
            self.show(done, false);
        }
    }

    /// The last line: every plan is in.
    pub fn finish(&self) {
        self.show(self.done.load(Ordering::SeqCst), true);
    }

    fn show(&self, done: usize, last: bool) {
        let secs = self.started.elapsed().as_secs_f64();
        let text = match (done, last) {
            (0, false) => format!("planning {} target(s) …", self.total),
            (_, true) => format!("planned {done}/{} in {secs:.1}s", self.total),
            _ => {
                let eta = secs / done as f64 * (self.total - done) as f64;
                format!(
                    "planned {done}/{} … {secs:.0}s, about {eta:.0}s left",
                    self.total
                )
            }
        };
        // Progress only: a closed pipe or terminal is no reason to stop.
        let _ = match self.style {
            // On stderr: stdout stays the one JSON document `fleet plan`
            // prints (or the rollout's stream of events).
            Style::Json => emit_err(&[json!({
                "event": "plan_progress", "planned": done, "targets": self.total, "done": last,
            })
            .to_string()]),
            Style::Plain => emit(&[text]),
            Style::Bars => {
                let mut err = std::io::stderr().lock();
                let end = if last { "\n" } else { "" };
                write!(err, "\r\x1b[2K{text}{end}")
                    .and_then(|()| err.flush())
                    .map_err(Into::into)
            }
        };
    }
}
