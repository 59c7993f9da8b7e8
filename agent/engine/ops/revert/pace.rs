//! Revert's pace beside a service that keeps writing: the catch-up stops
//! on a backlog that does not shrink (the service writes faster than
//! reverse replay carries back, so no freeze would ever come) and refuses
//! naming both rates; under the freeze, a tail longer than one batch is
//! carried back in committed batches until one is left or the freeze's
//! deadline passed; and between any two of revert's transactions the new
//! database's WAL is checkpointed, so a long revert does not keep it from
//! being reset (without it, verify's back-to-back reads let it grow to
//! gigabytes beside a busy service).

use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::revert::apply::{self, Retry, BATCH};
use crate::engine::revert::store::{self, Conflict};
use crate::engine::revert::window::LOG;
use crate::engine::revert::Inverse;
use crate::engine::{Ctx, Event};

/// Batches (or verify's chunks) in a row without a new low of the
/// backlog before revert gives up on catching up.
pub const STALLED_BATCHES: u32 = 4;

/// A catch-up batch aims to take about this long: a batch is one read of
/// the new database, and while it lasts the new WAL cannot start over (a
/// 20,000-entry batch took 25 s in a debug build and let the WAL grow by
/// every write the service made meanwhile).
const BATCH_TIME: Duration = Duration::from_secs(1);
/// The smallest batch: a batch's fixed cost grows with the table (500
/// entries a batch carried back 85 a second beside a 20,000-row table in
/// a debug build, against 700-1,500 with larger ones).
const BATCH_MIN: u64 = 2_000;
/// A stall is also at least this long (short batches are noisy).
const STALL_MIN: Duration = Duration::from_secs(2);

/// The catch-up before the verify and the freeze ends once at most this
/// many writes are pending (as drain's `catch_up_below`): the service keeps
/// writing, so "none" may never come; a backlog above it that does not
/// fall is a service writing faster than revert carries back.
pub const CATCH_UP_BELOW: u64 = 2_000;

/// Above this many bytes of new frames in the new database's WAL, revert
/// asks for a RESTART checkpoint between its transactions.
pub const WAL_RESTART_BYTES: u64 = 32 << 20;

/// Revert's own connection to the new database: how far its reverse log
/// goes, and its WAL kept bounded.
pub(super) struct NewSide<'c> {
    pub conn: &'c Connection,
    pub restart_above: u64,
}

impl NewSide<'_> {
    /// The reverse log's last entry now (not at a batch's snapshot: the
    /// service wrote on meanwhile).
    pub(super) fn log_max(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row(
                &format!("SELECT coalesce(max(seq), 0) FROM main.{LOG}"),
                [],
                |r| r.get(0),
            )
            .ctx(|| "reading the reverse log".into())?;
        Ok(n.max(0) as u64)
    }

    /// A passive checkpoint (never waits); a RESTART one (waits for the
    /// service's readers and holds its writers meanwhile, as the
    /// service's own checkpoints do) once the WAL holds more than
    /// `restart_above` bytes, so its next writer starts it over.
    pub(super) fn bound(&self) -> Result<()> {
        let what = || "checkpointing the new database's WAL during the revert".to_string();
        let frames: i64 = self
            .conn
            .query_row("PRAGMA main.wal_checkpoint(PASSIVE)", [], |r| r.get(1))
            .ctx(what)?;
        let page: i64 = self
            .conn
            .query_row("PRAGMA main.page_size", [], |r| r.get(0))
            .ctx(what)?;
        if (frames.max(0) as u64).saturating_mul(page.max(0) as u64) > self.restart_above {
            self.conn
                .query_row("PRAGMA main.wal_checkpoint(RESTART)", [], |_| Ok(()))
                .ctx(what)?;
        }
        Ok(())
    }
}

/// Replays until at most [`CATCH_UP_BELOW`] writes are pending; refuses
/// on a backlog that does not shrink. Adds what it carried back to
/// `replayed`.
pub(super) fn catch_up(
    (work, wal): (&mut Connection, &NewSide<'_>),
    inv: &Inverse,
    replayed: &mut u64,
    ctx: &mut Ctx<'_>,
) -> Result<()> {
    let began = Instant::now();
    let mut backlog = Backlog::new(CATCH_UP_BELOW);
    let mut applied = 0;
    let mut size = BATCH_MIN;
    loop {
        ctx.control.check()?;
        let took = Instant::now();
        let b = apply::batch(work, inv, size, Retry::Touched)?;
        size = next_size(b.applied, took.elapsed(), size);
        *replayed += b.applied;
        applied += b.applied;
        let log_max = wal.log_max()?.max(b.log_max);
        let pending = log_max.saturating_sub(b.checkpoint);
        report(*replayed, pending, applied, began, ctx);
        if pending <= CATCH_UP_BELOW {
            return Ok(());
        }
        backlog.observe(pending, b.applied, log_max)?;
        wal.bound()?;
    }
}

/// Under the freeze (nothing grows the log): carries back in committed
/// batches, the largest, while more than one batch is pending, so a long
/// tail keeps its progress when the attempt passes its `deadline` (false
/// then); the last batch is the caller's, in the transaction that makes
/// the old database writable.
pub(super) fn catch_up_to_one_batch(
    (work, wal): (&mut Connection, &NewSide<'_>),
    inv: &Inverse,
    deadline: Option<Instant>,
    replayed: &mut u64,
    ctx: &mut Ctx<'_>,
) -> Result<bool> {
    let began = Instant::now();
    let mut applied = 0;
    loop {
        let (checkpoint, _) = store::checkpoint(work, "main")?.unwrap_or((0, None));
        if wal.log_max()?.saturating_sub(checkpoint) <= BATCH {
            return Ok(true);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(false);
        }
        ctx.control.check()?;
        let b = apply::batch(work, inv, BATCH, Retry::Touched)?;
        *replayed += b.applied;
        applied += b.applied;
        let pending = b.log_max.saturating_sub(b.checkpoint);
        report(*replayed, pending, applied, began, ctx);
    }
}

/// One replay event: `replayed` in all, `pending` left, and the rate of
/// the `applied` this catch-up carried back since `began`.
pub(super) fn report(replayed: u64, pending: u64, applied: u64, began: Instant, ctx: &mut Ctx<'_>) {
    (ctx.sink)(Event::Replay {
        applied: replayed,
        pending,
        lag_seconds: 0.0,
        entries_per_sec: applied as f64 / began.elapsed().as_secs_f64().max(1e-6),
    });
}

/// Before one of verify's transactions (or the check by key): the paced
/// catch-up when more than [`CATCH_UP_BELOW`] writes are pending, since
/// such a transaction's own replay is unbounded (it holds the old
/// database's lock and one read of the new database throughout, and
/// beside a service writing faster than it, it would never end); then the
/// new WAL bounded.
pub(super) fn catch_up_if_behind(
    (work, wal): (&mut Connection, &NewSide<'_>),
    inv: &Inverse,
    replayed: &mut u64,
    ctx: &mut Ctx<'_>,
) -> Result<()> {
    ctx.control.check()?;
    let (checkpoint, _) = store::checkpoint(work, "main")?.unwrap_or((0, None));
    if wal.log_max()?.saturating_sub(checkpoint) > CATCH_UP_BELOW {
        catch_up((work, wal), inv, replayed, ctx)?;
    }
    wal.bound()
}

/// The next batch's size: what took [`BATCH_TIME`] at this one's pace.
fn next_size(applied: u64, took: Duration, size: u64) -> u64 {
    if applied < size {
        return size;
    }
    let per_sec = applied as f64 / took.as_secs_f64().max(1e-3);
    ((per_sec * BATCH_TIME.as_secs_f64()) as u64).clamp(BATCH_MIN, BATCH)
}

/// The conflicts recorded, all retried once more.
pub(super) fn conflicts(work: &mut Connection, inv: &Inverse) -> Result<Vec<Conflict>> {
    apply::batch(work, inv, 0, Retry::All)?;
    store::conflicts(work, "main", inv.key_width)
}

/// A backlog of writes to carry back, since its last low.
struct Backlog {
    /// A backlog at most this long is never a stall.
    floor: u64,
    low: u64,
    since_low: u32,
    at_low: Instant,
    log_at_low: u64,
    applied_since_low: u64,
}

impl Backlog {
    fn new(floor: u64) -> Backlog {
        Backlog {
            floor,
            low: u64::MAX,
            since_low: 0,
            at_low: Instant::now(),
            log_at_low: 0,
            applied_since_low: 0,
        }
    }

    /// One batch (or chunk) done: `pending` left, `applied` carried back,
    /// the log's last entry `log_max`. Refuses after [`STALLED_BATCHES`]
    /// without a new low while more than its floor are pending.
    fn observe(&mut self, pending: u64, applied: u64, log_max: u64) -> Result<()> {
        if pending < self.low || pending <= self.floor {
            *self = Backlog {
                low: pending,
                log_at_low: log_max,
                ..Backlog::new(self.floor)
            };
            return Ok(());
        }
        self.since_low += 1;
        self.applied_since_low += applied;
        if self.since_low < STALLED_BATCHES || self.at_low.elapsed() < STALL_MIN {
            return Ok(());
        }
        let secs = self
            .at_low
            .elapsed()
            .max(Duration::from_millis(1))
            .as_secs_f64();
        let written = log_max.saturating_sub(self.log_at_low) as f64 / secs;
        let carried = self.applied_since_low as f64 / secs;
        Err(EngineError::FreezeTimeout(format!(
            "revert refused: the new service writes faster than revert carries its writes back ({written:.0} writes/s against {carried:.0} carried back per second over the last {secs:.1} s; {pending} writes still pending, not falling); nothing was made writable: the old database stays a standby, the window stays open and the new database keeps taking writes; run `mig revert` again when the new service writes less (or pause its heaviest writers)"
        )))
    }
}
