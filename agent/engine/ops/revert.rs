//! `revert`: goes back to the old database within a revert window without
//! losing a write. While the new service still writes: carry the reverse
//! log back (refusing if the service writes faster than that, `pace.rs`)
//! and verify old = inverse(new) chunk by chunk (unless a verify already
//! certified it), then check by key the rows written beyond each table's
//! verify, carrying back everything pending in the same transaction (the
//! last catch-up before the freeze). Then freeze the new database (its
//! writes refused, one committed statement) and, in one transaction on the
//! old database, carry the tail back, check its rows by key and drop the
//! guard and migration tables (writable again); last, mark the new database
//! reverted. Writes are refused from the freeze to that commit: under the
//! freeze runs only what the service wrote since the check, for the tables
//! it wrote to, and two commits. An attempt past the freeze limit lets the
//! new service write again and tries again, and a revert that cannot
//! finish leaves the new service writing.

mod conflicts;
mod pace;
mod verify_step;

use conflicts::{record_discards, refusal};
use verify_step::verify_now;

use std::time::{Duration, Instant};

use crate::engine::error::{Result, SqlContext};
use crate::engine::guard::{self, GuardKind};
use crate::engine::lock;
use crate::engine::new_side;
use crate::engine::open::{self, Busy};
use crate::engine::ops::freeze_retry::{retry_or_give_up, Overrun};
use crate::engine::owners::LeftToOwner;
use crate::engine::paths::DatabaseSpec;
use crate::engine::record::{self, Guard};
use crate::engine::revert::apply::{self, Retry};
use crate::engine::revert::new_only::{self, NewColumns};
use crate::engine::revert::store::{self, Conflict};
use crate::engine::revert::verify::{check_written_since, check_written_since_in};
use crate::engine::revert::{inverse_of, owned, temp, window, Inverse, WindowState};
use crate::engine::state::{locate, MigrationState};
use crate::engine::{failpoint, Ctx, Event};

/// What `revert` does about reverse rows the old schema refuses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Conflicts {
    /// Refuse, naming them (nothing changes).
    #[default]
    Refuse,
    /// Revert without them, recording each in the new database's
    /// `_mig_revert_discarded`.
    Discard,
}

#[derive(Debug, Clone, Copy)]
pub struct RevertOptions {
    pub busy: Busy,
    pub conflicts: Conflicts,
    pub new_columns: NewColumns,
    /// Longest time the new database's writes may stay refused in one
    /// attempt: from the freeze's lock to the commit that makes the old
    /// database writable. Past it the new service writes again and revert
    /// tries again, up to `max_attempts` attempts.
    pub freeze_limit: Duration,
    pub max_attempts: u32,
    /// Bytes of the new database's WAL above which revert asks for a
    /// RESTART checkpoint between its transactions.
    pub wal_restart_above: u64,
}

impl Default for RevertOptions {
    fn default() -> Self {
        RevertOptions {
            busy: Busy::default(),
            conflicts: Conflicts::default(),
            new_columns: NewColumns::default(),
            freeze_limit: Duration::from_secs(2),
            max_attempts: 5,
            wal_restart_above: pace::WAL_RESTART_BYTES,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct RevertSummary {
    /// Every write carried back: the catch-up's, verify's, the checks'
    /// and the tail's.
    pub entries_replayed: u64,
    pub verified_rows: u64,
    pub verified_tables: u32,
    /// Rows written beyond their table's verify, checked by key (before
    /// and under the freeze).
    pub checked_by_key: u64,
    /// Freezes it took (an attempt past the freeze limit tries again).
    pub attempts: u32,
    /// From the commit that froze the new database to the one that marked
    /// it reverted (the old one writable before it): what a service that
    /// waits for the new side's `reverted` refusal feels.
    pub refused_ms: f64,
    pub seconds: f64,
    pub discarded: Vec<Conflict>,
    /// Writes the old schema has no place for (rows of new tables).
    pub left_behind: Vec<String>,
    /// The old database's tables left to their owner, not carried back
    /// (`revert::owned`).
    pub left_to_owner: Vec<String>,
    pub old_path: std::path::PathBuf,
}

pub fn revert(
    spec: &DatabaseSpec,
    opts: &RevertOptions,
    ctx: &mut Ctx<'_>,
) -> Result<RevertSummary> {
    let started = Instant::now();
    let busy = opts.busy;
    let st = MigrationState::claim(locate(spec, busy), busy)?;
    let start = st.require_revertible()?;
    let (old, new) = (st.old_path()?.to_path_buf(), st.new_path()?.to_path_buf());
    let mut summary = RevertSummary {
        old_path: old.clone(),
        ..Default::default()
    };
    if !start.old_flipped {
        super::window::settle(&st, busy)?;
        let (_, inv) = inverse_of(&start.identity, &old)?;
        summary.left_behind = inv
            .report
            .iter()
            .filter(|r| r.old_table.is_none())
            .flat_map(|r| r.notes.clone())
            .collect();
        let new_conn = open::work(&new, None, busy)?;
        if start.must_freeze() {
            new_columns(&new_conn, &inv, opts, &new, &mut summary)?;
        }
        let mut work = open::revert_work(&old, &new, busy)?;
        if let Some(m) = st.marker() {
            let left = LeftToOwner::from_recorded(&m.catalog);
            summary.left_to_owner = owned::not_carried_back(&work, &left)?;
        }
        let wal = pace::NewSide {
            conn: &new_conn,
            restart_above: opts.wal_restart_above,
        };
        let (frozen, paused) = if start.must_freeze() {
            freeze_and_tail((&mut work, &wal), &inv, opts, &mut summary, ctx)?
        } else {
            // Frozen by a revert that stopped: finish it as it is, however
            // long its tail (the service's writes are refused already).
            let frozen = Instant::now();
            ready_for_freeze(&work, &inv)?;
            if let Err(e) = tail((&mut work, &wal), &inv, (opts, None), &mut summary, ctx) {
                // Writes flow again on the new database; nothing was lost.
                window::set_state(&new_conn, WindowState::Reverting, WindowState::Open)?;
                return Err(e);
            }
            (frozen, (None, None))
        };
        // The new side's refusal says "reverting" until this commit: a
        // service waiting for "reverted" feels the outage up to here.
        mark_reverted_in(&new_conn)?;
        summary.refused_ms = frozen.elapsed().as_secs_f64() * 1000.0;
        lock::restore_autocheckpoint(&work, paused.0);
        lock::restore_autocheckpoint(&new_conn, paused.1);
    } else {
        mark_reverted_in(&open::work(&new, None, busy)?)?;
    }
    step(
        ctx,
        "reverted",
        &format!("the old database {} accepts writes again", old.display()),
    );
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// The old database's WAL checkpointed (passively: a reader is never
/// waited for) before the last check, while nobody can write there (a standby)
/// and the new service still writes: afterwards the old WAL holds only the
/// tail and the flip, far under the automatic checkpoint's threshold.
///
/// Not after the revert: measured from the outside (strace beside a writer
/// process), the passive checkpoints revert ran right after its last
/// commit synced the WAL and the database files (4 fsyncs) while the
/// service was making its first writes on the old database, and those
/// writes took 3-12 ms instead of 0.3 (the file system's journal), all of
/// it past mig's figure. The freeze's two commits run with automatic
/// checkpoints paused (`lock::pause_autocheckpoint`): a commit's automatic
/// checkpoint runs after its change is visible and would keep revert's
/// figure running for nothing. So nothing mig does after the revert's
/// last commit syncs a file while the service comes back; the new
/// database's few frames of the freeze stay in its WAL until a connection
/// checkpoints it (nobody writes there any more).
fn checkpoint_before_freeze(work: &rusqlite::Connection) -> Result<()> {
    work.query_row("PRAGMA main.wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        .ctx(|| "checkpointing the old database before the freeze".to_string())
}

fn step(ctx: &mut Ctx<'_>, step: &'static str, message: &str) {
    (ctx.sink)(Event::Step {
        step,
        message: message.to_string(),
    });
}

/// Values of new-only columns the revert would drop: refused unless the
/// options drop them, else named in the summary (before anything changes).
fn new_columns(
    new_conn: &rusqlite::Connection,
    inv: &Inverse,
    opts: &RevertOptions,
    new: &std::path::Path,
    summary: &mut RevertSummary,
) -> Result<()> {
    let dropped = new_only::count(new_conn, "main", inv)?;
    let new = new.display().to_string();
    if opts.new_columns == NewColumns::Refuse && !dropped.is_empty() {
        return Err(new_only::refusal(&dropped, &new));
    }
    summary.left_behind.extend(dropped.iter().map(|d| {
        format!(
            "{} not carried back (--drop-new-columns): kept in {new} only",
            new_only::describe(d)
        )
    }));
    Ok(())
}

type Paused = (Option<i64>, Option<i64>);

/// Attempts until the tail is carried back and the old database made
/// writable within the freeze limit: each catches up and verifies while
/// the new service writes, freezes the new database and carries the tail
/// back; one past the limit lets the new service write again and, after a
/// backoff, tries again. Returns the instant the freeze took the new
/// database's write lock, frozen.
fn freeze_and_tail(
    (work, wal): (&mut rusqlite::Connection, &pace::NewSide<'_>),
    inv: &Inverse,
    opts: &RevertOptions,
    summary: &mut RevertSummary,
    ctx: &mut Ctx<'_>,
) -> Result<(Instant, Paused)> {
    loop {
        summary.attempts += 1;
        before_freeze((work, wal), inv, opts, summary, ctx)?;
        failpoint::hit("revert.before-freeze");
        step(ctx, "freeze", "refusing the new database's writes");
        let paused = (
            lock::pause_autocheckpoint(work),
            lock::pause_autocheckpoint(wal.conn),
        );
        let frozen = window::set_state(wal.conn, WindowState::Open, WindowState::Reverting)?;
        failpoint::hit("revert.after-freeze");
        let done = tail((work, wal), inv, (opts, Some(frozen)), summary, ctx);
        if let Ok(true) = done {
            return Ok((frozen, paused));
        }
        // Writes flow again on the new database; nothing was lost.
        let open = window::set_state(wal.conn, WindowState::Reverting, WindowState::Open)?;
        lock::restore_autocheckpoint(work, paused.0);
        lock::restore_autocheckpoint(wal.conn, paused.1);
        done?;
        timed_out(opts, summary, open - frozen, ctx)?;
    }
}

/// An attempt ran past the freeze limit (the new database takes writes
/// again): try again after a backoff, or give up after the last attempt.
fn timed_out(
    opts: &RevertOptions,
    summary: &RevertSummary,
    refused: Duration,
    ctx: &mut Ctx<'_>,
) -> Result<()> {
    let overrun = Overrun {
        freeze: "revert's freeze",
        limit: opts.freeze_limit,
        refused,
        writes_again: "the new database takes writes again",
        kept: "nothing lost, the old database is still a standby",
        attempts: summary.attempts,
        give_up: summary.attempts >= opts.max_attempts,
        then: "the window stays open; run `mig revert` again when the new service writes less, or raise --freeze-limit-ms",
    };
    retry_or_give_up(overrun, ctx)
}

/// Catch up, refuse on conflicts, verify, check by key the rows written
/// beyond each table's verify (carrying back first, in the same
/// transaction, everything written until then): all while the new service
/// writes. What the freeze then carries back and checks is what the
/// service wrote since that transaction's snapshot.
fn before_freeze(
    (work, wal): (&mut rusqlite::Connection, &pace::NewSide<'_>),
    inv: &Inverse,
    opts: &RevertOptions,
    summary: &mut RevertSummary,
    ctx: &mut Ctx<'_>,
) -> Result<()> {
    step(ctx, "catch-up", "carrying the new database's writes back");
    pace::catch_up((work, wal), inv, &mut summary.entries_replayed, ctx)?;
    let conflicts = pace::conflicts(work, inv)?;
    if opts.conflicts == Conflicts::Refuse && !conflicts.is_empty() {
        return Err(refusal(&conflicts));
    }
    let (checkpoint, verified_at) = store::checkpoint(work, "main")?.unwrap_or((0, None));
    if verified_at.is_none_or(|v| v > checkpoint) {
        verify_now((work, wal), inv, summary, ctx)?;
    }
    step(
        ctx,
        "check",
        "checking by key the rows written beyond each table's verify",
    );
    pace::catch_up_if_behind((work, wal), inv, &mut summary.entries_replayed, ctx)?;
    checkpoint_before_freeze(work)?;
    let k = check_written_since(work, inv)?;
    summary.entries_replayed += k.entries_replayed;
    summary.checked_by_key += k.rows;
    ready_for_freeze(work, inv)
}

/// What the freeze's transaction needs on `work`, done before it: verify's
/// hash function registered and every table's temporary tables (reverse
/// replay's, verify's and the check by key's) created. Either, under the
/// freeze, would expire every statement prepared on the connection (and a
/// temporary table's creation runs SQLite's own statements on its schema),
/// once per table the tail touches.
fn ready_for_freeze(work: &rusqlite::Connection, inv: &Inverse) -> Result<()> {
    crate::engine::verify::hash::register(work)?;
    apply::ready(work, inv)?;
    crate::engine::revert::verify::ready(work, inv)
}

/// With the new database frozen: the tail carried back, the conflicts'
/// fate, the rows the tail wrote beyond each table's verify checked by key
/// and the old database made writable, in one transaction on it (one
/// commit; committed batches before it only for a tail longer than one
/// batch). False when the freeze limit, counted from `frozen`, passed
/// first: that transaction rolls back, the old database still a standby.
fn tail(
    (work, wal): (&mut rusqlite::Connection, &pace::NewSide<'_>),
    inv: &Inverse,
    (opts, frozen): (&RevertOptions, Option<Instant>),
    summary: &mut RevertSummary,
    ctx: &mut Ctx<'_>,
) -> Result<bool> {
    step(ctx, "replay", "carrying the tail back");
    let deadline = frozen.map(|f| f + opts.freeze_limit);
    let temp_schema = temp::schema_version(work)?;
    let replayed = &mut summary.entries_replayed;
    if !pace::catch_up_to_one_batch((work, wal), inv, deadline, replayed, ctx)? {
        return Ok(false);
    }
    let began = Instant::now();
    let tx = lock::begin_immediate(work).ctx(|| "carrying the tail back".into())?;
    let b = apply::batch_in(&tx, inv, u64::MAX, Retry::All)?;
    let replayed = summary.entries_replayed + b.applied;
    pace::report(replayed, 0, b.applied, began, ctx);
    let conflicts = store::conflicts(&tx, "main", inv.key_width)?;
    if opts.conflicts == Conflicts::Refuse && !conflicts.is_empty() {
        return Err(refusal(&conflicts));
    }
    let k = check_written_since_in(&tx, inv)?;
    if deadline.is_some_and(|d| Instant::now() >= d) {
        return Ok(false);
    }
    record_discards(wal.conn, &conflicts)?;
    failpoint::hit("revert.before-flip");
    flip_in(&tx)?;
    temp::trace_frozen(&tx, temp_schema)?;
    tx.commit()
        .ctx(|| "making the old database writable".into())?;
    failpoint::hit("revert.after-flip");
    summary.entries_replayed = replayed + k.entries_replayed;
    summary.checked_by_key += k.rows;
    summary.discarded = conflicts;
    Ok(true)
}

/// The old database writable: guard, marker, logs and bookkeeping gone,
/// inside the transaction that carried the tail back.
fn flip_in(tx: &rusqlite::Connection) -> Result<()> {
    guard::drop_in(tx, GuardKind::Standby)?;
    record::remove_in(tx, Guard::Any)?;
    store::drop_in(tx)
}

/// The new database says reverted (its refusal names the old database),
/// on the connection revert already holds.
fn mark_reverted_in(conn: &rusqlite::Connection) -> Result<()> {
    let tx = lock::begin_immediate(conn).ctx(|| "marking the new database reverted".into())?;
    new_side::set_reverted_in(&tx)?;
    window::end_in(&tx, WindowState::Reverted, "revert")?;
    // Holding the new database's write lock: a service's write waits here.
    failpoint::hit("revert.mid-mark");
    tx.commit()
        .ctx(|| "marking the new database reverted".into())
}
