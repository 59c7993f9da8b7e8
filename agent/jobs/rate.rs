//! The pace of a running copy or verify, measured by the agent over a
//! recent window of its own progress events, and the time left at that
//! pace. Wall time includes throttle waits, so the estimate is what the
//! operator will wait, not what the disk could do.
//!
//! The time left is the work left over the recent pace of work, where a
//! progress event says what its work is: rows for the copy, bytes for
//! verify (whose tables' rows differ in width; `verify::progress`).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How far back the rate looks.
pub const WINDOW: Duration = Duration::from_secs(10);
/// Samples must span at least this much before there is a rate.
pub const MIN_SPAN: Duration = Duration::from_secs(1);

/// A rate and what it predicts; each `None` until known.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Estimate {
    pub rows_per_sec: Option<f64>,
    /// Seconds left for everything, and for the current table.
    pub eta_seconds: Option<f64>,
    pub table_eta_seconds: Option<f64>,
}

/// What one progress event says is done and left.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub rows_done: u64,
    /// The work the time left is estimated from (rows, or bytes).
    pub work: Work,
}

/// Work done and left, in one unit (rows or bytes).
#[derive(Debug, Clone, Copy)]
pub struct Work {
    pub done: u64,
    pub left: u64,
    pub table_left: u64,
}

/// Progress samples of one kind of work (copy or verify) in one job.
#[derive(Debug, Default)]
pub struct RateWindow {
    kind: &'static str,
    /// When, rows done, work done.
    samples: VecDeque<(Instant, u64, u64)>,
}

impl RateWindow {
    /// Adds a sample of `kind` taken at `at`; a new kind or a count going
    /// back starts the window anew.
    pub fn add(&mut self, kind: &'static str, at: Instant, s: Sample) -> Estimate {
        let back = self
            .samples
            .back()
            .is_some_and(|&(_, r, w)| r > s.rows_done || w > s.work.done);
        if kind != self.kind || back {
            self.kind = kind;
            self.samples.clear();
        }
        self.samples.push_back((at, s.rows_done, s.work.done));
        // Keep the newest sample at least WINDOW old, so the window spans it.
        while self.samples.len() > 2 && self.samples[1].0 + WINDOW <= at {
            self.samples.pop_front();
        }
        let work = self.rate(|&(_, _, w)| w);
        Estimate {
            rows_per_sec: self.rate(|&(_, r, _)| r),
            eta_seconds: work.map(|r| s.work.left as f64 / r),
            table_eta_seconds: work.map(|r| s.work.table_left as f64 / r),
        }
    }

    /// The pace of what `of` reads from a sample, per second.
    fn rate(&self, of: impl Fn(&(Instant, u64, u64)) -> u64) -> Option<f64> {
        let (first, last) = (self.samples.front()?, self.samples.back()?);
        let span = last.0.duration_since(first.0);
        let (a, b) = (of(first), of(last));
        if span < MIN_SPAN || b <= a {
            return None;
        }
        Some((b - a) as f64 / span.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t0: Instant, ms: u64) -> Instant {
        t0 + Duration::from_millis(ms)
    }

    /// Rows as the work (the copy's samples).
    fn sample(done: u64, total: u64) -> Sample {
        Sample {
            rows_done: done,
            work: Work {
                done,
                left: total - done,
                table_left: (total - done) / 2,
            },
        }
    }

    #[test]
    fn the_time_left_is_the_work_left_over_the_pace_of_work_not_of_rows() {
        // Verify: 10,000 narrow rows (100 bytes each) at 1,000 rows/s, then
        // 1,000 wide rows (4,176 bytes each) left.
        let t0 = Instant::now();
        let mut w = RateWindow::default();
        let narrow = |rows: u64| Sample {
            rows_done: rows,
            work: Work {
                done: rows * 100,
                left: (10_000 - rows) * 100 + 1_000 * 4_176,
                table_left: (10_000 - rows) * 100,
            },
        };
        w.add("verify", t0, narrow(0));
        let e = w.add("verify", at(t0, 2_000), narrow(2_000));
        assert_eq!(e.rows_per_sec, Some(1_000.0));
        // 100,000 bytes/s: 800,000 narrow bytes and 4,176,000 wide ones.
        assert_eq!(e.eta_seconds, Some(49.76));
        assert_eq!(e.table_eta_seconds, Some(8.0));
    }

    #[test]
    fn unknown_until_the_samples_span_a_second_then_rows_left_over_the_rate() {
        let t0 = Instant::now();
        let mut w = RateWindow::default();
        assert_eq!(w.add("copy", t0, sample(0, 10_000)), Estimate::default());
        let e = w.add("copy", at(t0, 500), sample(500, 10_000));
        assert_eq!(e.eta_seconds, None, "half a second is no rate yet");
        let e = w.add("copy", at(t0, 2_000), sample(2_000, 10_000));
        assert_eq!(e.rows_per_sec, Some(1_000.0));
        assert_eq!(e.eta_seconds, Some(8.0));
        assert_eq!(e.table_eta_seconds, Some(4.0));
    }

    #[test]
    fn the_rate_is_the_recent_one() {
        let t0 = Instant::now();
        let mut w = RateWindow::default();
        // 1,000 rows/s for 20 s, then 100 rows/s for 10 s.
        for s in 0..=20 {
            w.add("copy", at(t0, s * 1_000), sample(s * 1_000, 100_000));
        }
        let mut e = Estimate::default();
        for s in 1..=10 {
            e = w.add(
                "copy",
                at(t0, 20_000 + s * 1_000),
                sample(20_000 + s * 100, 100_000),
            );
        }
        let rate = e.rows_per_sec.expect("a rate");
        assert!((rate - 100.0).abs() < 1.0, "{rate}");
    }

    #[test]
    fn another_kind_or_a_count_going_back_starts_over() {
        let t0 = Instant::now();
        let mut w = RateWindow::default();
        w.add("copy", t0, sample(0, 100));
        assert!(w
            .add("copy", at(t0, 2_000), sample(50, 100))
            .rows_per_sec
            .is_some());
        assert_eq!(
            w.add("verify", at(t0, 3_000), sample(60, 100)),
            Estimate::default()
        );
        w.add("verify", at(t0, 5_000), sample(80, 100));
        assert_eq!(
            w.add("verify", at(t0, 6_000), sample(10, 100)),
            Estimate::default()
        );
    }
}
