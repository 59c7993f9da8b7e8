//! Schema changes on a database a service keeps writing to, made in short
//! paced write transactions instead of one. SQLite's CREATE and DROP
//! TRIGGER each scan the whole schema, so thousands in one transaction
//! hold the write lock for seconds (1,000 tables: arming the guards
//! 9–22 s, cleanup-old 4.3 s). Each commit costs every service connection
//! a reload of the whole schema, so migrate's recording install writes
//! its triggers as schema rows in one transaction instead
//! (`record/bulk.rs`), and calls only [`free_for`] from here.
//!
//! Each transaction runs the caller's check first (the marker, the
//! catalog), then statements while one more and the bookkeeping fit in
//! its budget (at least one; the budget is the caller's hold, or half a
//! schema reload when that is more), then the caller's bookkeeping of what
//! it changed; commits; and leaves the lock free ([`lock::SchemaPace`]: as
//! long as it was held, twice a reload, and past the next try of a write
//! that waited on it, [`free_for`]) so that the service's writes, and its
//! reload of the changed schema, get through. A write that finds the lock
//! taken waits at most one budget and its busy handler's next step, then
//! its own reload. A run cut
//! short leaves whole transactions only: each caller plans its steps from
//! what is there, so the next run does what is left.
//!
//! Used by drain's arming (`guard::arm`), cleanup-old (`guard::retire`)
//! and the id mapping's removal.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::error::{Result, SqlContext};
use super::lock;
use super::open::{self, Busy};

/// One statement (or a drop and create together) of a paced run.
#[derive(Debug, Clone)]
pub struct Step {
    pub sql: String,
    /// The trigger it creates, replaces or drops.
    pub trigger: String,
    /// What it does, for its error.
    pub what: String,
}

/// What a caller does inside each transaction of a run.
pub trait Batch {
    /// Before the transaction's statements, under the lock: refuse to go
    /// on when what the steps were planned from changed.
    fn before(&mut self, tx: &Connection) -> Result<()>;
    /// After them, before the commit: record the triggers `changed`.
    fn after(&mut self, tx: &Connection, changed: &[String]) -> Result<()>;
}

/// What a run does after its last commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Last {
    /// Returns at once (the caller takes no write lock next: migrate's copy
    /// only reads the old database).
    Return,
    /// Leaves the lock free as between two transactions first, so a write
    /// that waited on the last one, and its reload of the changed schema,
    /// get through before the caller locks again (drain's freeze follows
    /// its arming at once: a write caught between the two waited through
    /// both, the first outside the figure drain reports).
    Pause,
}

/// How a run is paced, and what it is called.
#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    /// What one transaction holds the lock for at most, as measured from
    /// its lock to its commit (its checks and bookkeeping included; at
    /// least one statement each time): it stops before the statement that
    /// would take it past, predicted from the steps before. Raised to half
    /// of what reloading the schema took a connection of ours, once that is
    /// more ([`budget_after`]).
    pub hold: Duration,
    /// What the run does, for its errors ("arming the old database's guards").
    pub what: &'static str,
    /// Crash points right before each commit and right after it.
    pub failpoints: (Option<&'static str>, Option<&'static str>),
    pub last: Last,
}

/// Runs `steps` on `conn` in paced transactions (at least one, even with
/// no step: `batch` may write in it); returns how many transactions.
pub fn run(
    conn: &Connection,
    steps: &[Step],
    pacing: &Pacing,
    batch: &mut impl Batch,
) -> Result<u32> {
    // Opened when a second transaction or a pause needs it: a run of one
    // (a small schema) opens nothing more.
    let mut pace: Option<lock::SchemaPace> = None;
    let per_batch = super::failpoint::paced_steps().unwrap_or(usize::MAX);
    let what = || pacing.what.to_string();
    let (mut next, mut budget, mut transactions) = (0, pacing.hold, 0);
    let mut cost = Cost::default();
    loop {
        let tx = lock::begin_immediate(conn).ctx(what)?;
        let locked = Instant::now();
        batch.before(&tx)?;
        let first = next;
        while next < steps.len()
            && (next == first || (cost.fits(locked.elapsed(), budget) && next - first < per_batch))
        {
            let started = Instant::now();
            tx.execute_batch(&steps[next].sql)
                .ctx(|| steps[next].what.clone())?;
            cost.step(started.elapsed());
            next += 1;
        }
        let changed: Vec<String> = steps[first..next]
            .iter()
            .map(|s| s.trigger.clone())
            .collect();
        let started = Instant::now();
        batch.after(&tx, &changed)?;
        cost.after = started.elapsed();
        if let Some(p) = pacing.failpoints.0 {
            super::failpoint::hit(p);
        }
        tx.commit().ctx(what)?;
        let held = locked.elapsed();
        transactions += 1;
        if let Some(p) = pacing.failpoints.1 {
            super::failpoint::hit(p);
        }
        let done = next == steps.len();
        if done && pacing.last == Last::Return {
            return Ok(transactions);
        }
        if pace.is_none() {
            pace = Some(probe(conn)?);
        }
        // A service's writes get through between the transactions.
        let reload = match &pace {
            Some(p) => p
                .after_commit(free_for(held))
                .ctx(|| "reading the database's schema".into())?,
            None => Duration::ZERO,
        };
        if done {
            return Ok(transactions);
        }
        budget = budget_after(pacing.hold, reload);
    }
}

/// The next transaction's budget: the caller's hold, or half of what a
/// schema reload took when that is more. A write that finds the lock
/// taken waits out the transaction, then reloads the schema itself; below
/// half a reload the run would spend most of its time (and the service
/// most of its waits) on reloads, which grow with the schema (10,000
/// tables: a transaction's worth of work per reload, not a step's).
fn budget_after(hold: Duration, reload: Duration) -> Duration {
    hold.max(reload / 2)
}

/// How long the lock is left free after a transaction that held it for
/// `held`: as long, and past the next try of a write that began waiting
/// when the transaction took the lock. SQLite's own busy handler (what a
/// service's `busy_timeout` installs) sleeps 1, 2, 5, 10, 15, 20, 25 ms
/// between its tries: after a 2 ms transaction a write that waited 1.5 ms
/// is in its 2 ms sleep; left free for only 2 ms, the lock is taken again
/// before that try, and the write sleeps 5 ms, then 10: 8 or 18 ms of
/// waiting for a 2 ms hold. For holds over 10 ms the sleep is shorter
/// than the hold: nothing changes there.
pub fn free_for(held: Duration) -> Duration {
    held.max(busy_sleep_after(held) + RETRY_MARGIN)
}

/// What a waiting write's scheduling may add to its busy handler's sleep
/// (on a loaded machine its process wakes late).
const RETRY_MARGIN: Duration = Duration::from_millis(1);

/// The sleep SQLite's default busy handler is in once a write has waited
/// `waited` (`sqliteDefaultBusyCallback`: the delays, and their sums
/// before each, in ms; 100 ms each after the table).
fn busy_sleep_after(waited: Duration) -> Duration {
    const DELAYS: [u64; 12] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];
    const TOTALS: [u64; 12] = [0, 1, 3, 8, 18, 33, 53, 78, 103, 128, 178, 228];
    let ms = waited.as_secs_f64() * 1000.0;
    let i = TOTALS.iter().rposition(|&t| t as f64 <= ms).unwrap_or(0);
    Duration::from_millis(DELAYS[i])
}

/// What the run measured of its own statements, to stop a transaction
/// before the statement that would take it past its budget.
#[derive(Debug, Default)]
struct Cost {
    /// The longest step of the last [`STEPS_SEEN`] (a step's cost grows
    /// with the schema: SQLite scans it for each CREATE and DROP TRIGGER).
    steps: std::collections::VecDeque<Duration>,
    /// What the last transaction's bookkeeping took.
    after: Duration,
}

/// How many recent steps [`Cost`] predicts the next one from.
const STEPS_SEEN: usize = 16;

impl Cost {
    fn step(&mut self, took: Duration) {
        if self.steps.len() == STEPS_SEEN {
            self.steps.pop_front();
        }
        self.steps.push_back(took);
    }

    /// Whether one more step and the bookkeeping fit in `budget`, the
    /// lock held for `elapsed` so far.
    fn fits(&self, elapsed: Duration, budget: Duration) -> bool {
        let step = self.steps.iter().max().copied().unwrap_or_default();
        elapsed + step + self.after <= budget
    }
}

/// The pace's read-only connection to the database `conn` changes.
fn probe(conn: &Connection) -> Result<lock::SchemaPace> {
    let path = Path::new(conn.path().unwrap_or_default());
    Ok(lock::SchemaPace::new(open::old_ro(path, Busy::default())?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn the_budget_is_the_hold_until_half_a_reload_is_more() {
        assert_eq!(budget_after(ms(25), ms(10)), ms(25));
        assert_eq!(budget_after(ms(25), ms(50)), ms(25));
        assert_eq!(budget_after(ms(25), ms(300)), ms(150));
    }

    #[test]
    fn the_lock_stays_free_past_a_waiting_writes_next_try() {
        let us = Duration::from_micros;
        // A write that began waiting as the lock was taken is in its
        // 1 ms, then 2 ms, then 5 ms sleep when it is released.
        assert_eq!(free_for(us(800)), ms(2));
        assert_eq!(free_for(us(2_500)), ms(3));
        assert_eq!(free_for(ms(4)), ms(6));
        assert_eq!(free_for(ms(9)), ms(11));
        // From 10 ms the hold is longer than the sleep.
        assert_eq!(free_for(ms(25)), ms(25));
        assert_eq!(free_for(ms(400)), ms(400));
    }

    #[test]
    fn a_step_fits_only_with_the_bookkeeping_inside_the_budget() {
        let mut cost = Cost::default();
        assert!(cost.fits(ms(24), ms(25)), "nothing measured yet");
        cost.step(ms(4));
        cost.after = ms(6);
        assert!(cost.fits(ms(15), ms(25)));
        assert!(!cost.fits(ms(16), ms(25)));
        // The longest of the recent steps is the one predicted.
        cost.step(ms(1));
        assert!(!cost.fits(ms(16), ms(25)));
        for _ in 0..STEPS_SEEN {
            cost.step(ms(1));
        }
        assert!(cost.fits(ms(18), ms(25)));
    }
}
