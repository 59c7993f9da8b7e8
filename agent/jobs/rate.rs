//! The pace of a running copy or verify, measured by the agent over a
//! recent window of its own progress events, and the time left at that
//! pace. Wall time includes throttle waits, so the estimate is what the
//! operator will wait, not what the disk could do.

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
    pub rows_left: u64,
    pub table_rows_left: u64,
}

/// Progress samples of one kind of work (copy or verify) in one job.
#[derive(Debug, Default)]
pub struct RateWindow {
    kind: &'static str,
    samples: VecDeque<(Instant, u64)>,
}

impl RateWindow {
    /// Adds a sample of `kind` taken at `at`; a new kind or a count going
    /// back starts the window anew.
    pub fn add(&mut self, kind: &'static str, at: Instant, s: Sample) -> Estimate {
        let back = self.samples.back().is_some_and(|&(_, r)| r > s.rows_done);
        if kind != self.kind || back {
            self.kind = kind;
            self.samples.clear();
        }
        self.samples.push_back((at, s.rows_done));
        // Keep the newest sample at least WINDOW old, so the window spans it.
        while self.samples.len() > 2 && self.samples[1].0 + WINDOW <= at {
            self.samples.pop_front();
        }
        let rate = self.rate();
        Estimate {
            rows_per_sec: rate,
            eta_seconds: rate.map(|r| s.rows_left as f64 / r),
            table_eta_seconds: rate.map(|r| s.table_rows_left as f64 / r),
        }
    }

    fn rate(&self) -> Option<f64> {
        let (&(t0, r0), &(t1, r1)) = (self.samples.front()?, self.samples.back()?);
        let span = t1.duration_since(t0);
        if span < MIN_SPAN || r1 <= r0 {
            return None;
        }
        Some((r1 - r0) as f64 / span.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t0: Instant, ms: u64) -> Instant {
        t0 + Duration::from_millis(ms)
    }

    fn sample(done: u64, total: u64) -> Sample {
        Sample {
            rows_done: done,
            rows_left: total - done,
            table_rows_left: (total - done) / 2,
        }
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
