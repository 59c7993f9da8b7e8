//! The timed copy sample behind `plan`'s copy-time estimate: the real copy
//! statements (`chunk_sql::ChunkSql`, id mapping included) run over the first
//! [`SAMPLE_ROWS`]`[0]` old rows of every table in copy order, then over the
//! rows up to [`SAMPLE_ROWS`]`[1]`, into the in-memory scratch copy of the new
//! schema, inside one savepoint that is rolled back.
//!
//! Two sizes because one cannot show a copy whose cost per row grows with
//! the rows already copied (a lookup that scans instead of seeking): the
//! second sample's rows then cost more than the first's, and the estimate
//! follows the growth instead of multiplying the first cost by the rows.

use std::collections::HashMap;
use std::time::Instant;

use rusqlite::types::Value;
use rusqlite::Connection;

use super::{KeyMode, Plan, TablePlan};
use crate::engine::chunk_sql::ChunkSql;
use crate::engine::error::{Result, SqlContext};

/// Rows copied per table by the first sample, and by both together.
pub const SAMPLE_ROWS: [u64; 2] = [2_000, 8_000];
/// A second sample whose rows cost more than this many times the first's
/// marks a copy that slows as it goes.
pub const GROWTH_LIMIT: f64 = 1.5;
/// A second sample faster than this shows no growth: a scheduler pause of a
/// few milliseconds on a shared machine doubles it (a copy that really scans
/// per row takes far longer over its 6,000 rows).
pub const MEASURABLE_SECONDS: f64 = 0.05;

/// Rows and seconds of each sample of one table.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sample {
    pub rows: [u64; 2],
    pub seconds: [f64; 2],
    /// The table ended within the samples: they timed all of it.
    pub whole: bool,
}

impl Sample {
    pub fn rows(&self) -> u64 {
        self.rows[0] + self.rows[1]
    }

    /// Cost per row of the second sample over the first's (1.0 when either
    /// is too small to say, or too fast to tell from timer noise).
    pub fn growth(&self) -> f64 {
        if self.rows[0] == 0
            || self.rows[1] == 0
            || self.seconds[0] <= 0.0
            || self.seconds[1] < MEASURABLE_SECONDS
        {
            return 1.0;
        }
        (self.seconds[1] / self.rows[1] as f64) / (self.seconds[0] / self.rows[0] as f64)
    }

    /// Seconds to copy `total` rows. Linear: the second sample's cost per
    /// row (the first also warms the caches) times the rows. Growing: the
    /// cost per row follows the power of the position the two samples show,
    /// `c(x) = c2 · (x / m2)^p`, integrated over the rows not sampled.
    pub fn extrapolate(&self, total: u64) -> f64 {
        let sampled: f64 = self.seconds.iter().sum();
        if self.whole || self.rows() == 0 {
            return sampled;
        }
        let last = if self.rows[1] > 0 { 1 } else { 0 };
        let c2 = self.seconds[last] / self.rows[last].max(1) as f64;
        let (n, done) = (total as f64, self.rows() as f64);
        if n <= done {
            return sampled;
        }
        let growth = self.growth();
        if growth <= GROWTH_LIMIT {
            return sampled + c2 * (n - done);
        }
        // Mean positions of the two samples' rows.
        let m1 = self.rows[0] as f64 / 2.0;
        let m2 = self.rows[0] as f64 + self.rows[1] as f64 / 2.0;
        let p = growth.ln() / (m2 / m1).ln();
        sampled + c2 / (m2.powf(p) * (p + 1.0)) * (n.powf(p + 1.0) - done.powf(p + 1.0))
    }
}

/// Times both samples of every sourced table (by new table name). A table
/// whose copy statement fails in the scratch database (a constraint) times
/// nothing from there on.
pub fn sample_all(conn: &Connection, plan: &Plan) -> Result<HashMap<String, Sample>> {
    // As in the copy: foreign keys are checked after drain, not per row.
    conn.pragma_update(None, "foreign_keys", false)
        .ctx(|| "disabling foreign keys for the copy sample".into())?;
    conn.execute_batch("SAVEPOINT mig_estimate")
        .ctx(|| "starting the copy sample".into())?;
    let sampled = run(conn, plan);
    conn.execute_batch("ROLLBACK TO mig_estimate; RELEASE mig_estimate")
        .ctx(|| "rolling back the copy sample".into())?;
    sampled
}

fn run(conn: &Connection, plan: &Plan) -> Result<HashMap<String, Sample>> {
    let tables: Vec<&TablePlan> = plan
        .tables
        .iter()
        .filter(|t| t.source.is_some() && t.rows > 0)
        // Refused by the plan (a blocker says why).
        .filter(|t| t.key_mode != KeyMode::Refused)
        .collect();
    let mut out: HashMap<String, Sample> = HashMap::new();
    let mut cursors: HashMap<String, Option<Vec<Value>>> = HashMap::new();
    for (phase, upto) in SAMPLE_ROWS.iter().enumerate() {
        let chunk = upto - if phase == 0 { 0 } else { SAMPLE_ROWS[0] };
        for t in &tables {
            let (Some(src), Some(key)) = (&t.source, &t.old_key) else {
                continue;
            };
            let s = out.entry(t.name.clone()).or_default();
            let lo = cursors.get(&t.name).cloned().flatten();
            if s.whole || (phase > 0 && lo.is_none()) {
                continue;
            }
            let sql = ChunkSql::new(t, src, key);
            // By rows: a rowid span over sparse keys would time a row or two.
            let hi = sql.nth_row_end(conn, lo.as_deref(), chunk)?;
            let started = Instant::now();
            match sql.apply_range(conn, t, lo.as_deref(), hi.as_deref()) {
                Ok(n) => {
                    s.rows[phase] = n;
                    s.seconds[phase] = started.elapsed().as_secs_f64();
                    s.whole = hi.is_none();
                    cursors.insert(t.name.clone(), hi);
                }
                // Nothing more to learn from this table.
                Err(_) => {
                    cursors.insert(t.name.clone(), None);
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sample of `r0` then `r1` rows whose cost per row is `c(x) = x^p`
    /// at position `x` (in µs), integrated exactly.
    fn shaped(r0: u64, r1: u64, p: f64) -> Sample {
        let integral = |a: f64, b: f64| (b.powf(p + 1.0) - a.powf(p + 1.0)) / (p + 1.0) * 1e-6;
        let (a, b) = (r0 as f64, (r0 + r1) as f64);
        Sample {
            rows: [r0, r1],
            seconds: [integral(0.0, a), integral(a, b)],
            whole: false,
        }
    }

    #[test]
    fn a_linear_copy_is_its_cost_per_row_times_the_rows() {
        let s = Sample {
            rows: [2_000, 6_000],
            seconds: [0.04, 0.06],
            whole: false,
        };
        assert!((s.growth() - 0.5).abs() < 1e-9);
        // 0.1 s sampled, then 10 µs per row for the 992,000 rows left.
        assert!((s.extrapolate(1_000_000) - 10.02).abs() < 1e-6);
    }

    #[test]
    fn jitter_on_a_fast_sample_is_not_growth() {
        // 2,000 rows in 1 ms, then 6,000 in 9 ms (a 6 ms pause): linear.
        let s = Sample {
            rows: [2_000, 6_000],
            seconds: [0.001, 0.009],
            whole: false,
        };
        assert_eq!(s.growth(), 1.0);
    }

    #[test]
    fn a_quadratic_copy_is_extrapolated_along_its_growth() {
        // The no-key renumbering: each row scans the rows before it.
        let s = shaped(2_000, 6_000, 1.0);
        assert!(s.growth() > GROWTH_LIMIT, "{}", s.growth());
        let exact = 1e-6 * 40_000f64.powi(2) / 2.0;
        let linear = s.seconds[1] / 6_000.0 * 40_000.0;
        let est = s.extrapolate(40_000);
        assert!(
            (est / exact - 1.0).abs() < 0.25,
            "estimate {est} s, exact {exact} s"
        );
        assert!(est > 3.0 * linear, "{est} vs linear {linear}");
    }

    #[test]
    fn a_table_the_samples_covered_is_what_they_took() {
        let s = Sample {
            rows: [2_000, 1_500],
            seconds: [0.01, 0.5],
            whole: true,
        };
        assert_eq!(s.extrapolate(3_500), 0.51);
        assert_eq!(Sample::default().extrapolate(10), 0.0);
    }
}
