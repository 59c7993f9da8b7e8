//! The achieved rate of a capped copy, measured over sliding windows of
//! samples (seconds since the copy started, rows copied so far), as an
//! operator would read it off a clock: the cap must hold over every window,
//! from the first row to the last.

/// The window the cap is judged over.
pub const WINDOW_SECS: f64 = 5.0;
/// How far the achieved rate may stray from the cap.
pub const TOLERANCE: f64 = 0.10;

/// Asserts that over every window of at least [`WINDOW_SECS`] between two
/// samples the rate is within [`TOLERANCE`] of `cap`; returns how many
/// windows were measured (at least one, or the copy was too short to say).
pub fn assert_cap_holds(samples: &[(f64, u64)], cap: f64) -> usize {
    if let (Some(&(t0, r0)), Some(&(t1, r1))) = (samples.first(), samples.last()) {
        let rate = r1.saturating_sub(r0) as f64 / (t1 - t0).max(1e-9);
        assert!(
            (rate - cap).abs() <= TOLERANCE * cap,
            "the whole copy ran at {rate:.0} rows/s, cap {cap:.0} (samples: {samples:?})"
        );
    }
    let mut windows = 0;
    for (i, &(t0, r0)) in samples.iter().enumerate() {
        let Some(&(t1, r1)) = samples[i..].iter().find(|(t, _)| *t >= t0 + WINDOW_SECS) else {
            break;
        };
        let rate = r1.saturating_sub(r0) as f64 / (t1 - t0);
        assert!(
            (rate - cap).abs() <= TOLERANCE * cap,
            "between {t0:.2} s and {t1:.2} s the copy ran at {rate:.0} rows/s, cap {cap:.0} (samples: {samples:?})"
        );
        windows += 1;
    }
    assert!(
        windows > 0,
        "the copy took less than {WINDOW_SECS} s: no window to measure ({samples:?})"
    );
    windows
}
