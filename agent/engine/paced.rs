//! Schema changes on a database a service keeps writing to, made in short
//! paced write transactions instead of one. SQLite's CREATE and DROP
//! TRIGGER each scan the whole schema, so thousands in one transaction
//! hold the write lock for seconds (1,000 tables: the recording's 3,000
//! triggers 1.35–2.7 s, arming the guards 9–22 s, cleanup-old 4.3 s).
//!
//! Each transaction runs the caller's check first (the marker, the
//! catalog), then statements until it has held the lock for its hold (at
//! least one), then the caller's bookkeeping of what it changed; commits;
//! and leaves the lock free ([`lock::SchemaPace`]) so that the service's
//! writes, and its reload of the changed schema, get through. A run cut
//! short leaves whole transactions only: each caller plans its steps from
//! what is there, so the next run does what is left.
//!
//! Used by migrate's recording install (`record`), drain's arming
//! (`guard::arm`) and cleanup-old (`guard::retire`).

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
    /// What one transaction holds the lock for at least (it stops once past
    /// it, or past what reloading the schema took a connection of ours).
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
    let (mut next, mut hold, mut transactions) = (0, pacing.hold, 0);
    loop {
        let tx = lock::begin_immediate(conn).ctx(what)?;
        batch.before(&tx)?;
        let (started, first) = (Instant::now(), next);
        while next < steps.len()
            && (next == first || (started.elapsed() < hold && next - first < per_batch))
        {
            tx.execute_batch(&steps[next].sql)
                .ctx(|| steps[next].what.clone())?;
            next += 1;
        }
        let changed: Vec<String> = steps[first..next]
            .iter()
            .map(|s| s.trigger.clone())
            .collect();
        batch.after(&tx, &changed)?;
        if let Some(p) = pacing.failpoints.0 {
            super::failpoint::hit(p);
        }
        tx.commit().ctx(what)?;
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
                .after_commit(started.elapsed())
                .ctx(|| "reading the database's schema".into())?,
            None => Duration::ZERO,
        };
        if done {
            return Ok(transactions);
        }
        hold = reload.max(pacing.hold);
    }
}

/// The pace's read-only connection to the database `conn` changes.
fn probe(conn: &Connection) -> Result<lock::SchemaPace> {
    let path = Path::new(conn.path().unwrap_or_default());
    Ok(lock::SchemaPace::new(open::old_ro(path, Busy::default())?))
}
