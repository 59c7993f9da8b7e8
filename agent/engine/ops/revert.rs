//! `revert`: goes back to the old database within a revert window without
//! losing a write. While the new service still writes: carry the reverse
//! log back and verify old = inverse(new) chunk by chunk (unless a verify
//! already certified it). Then freeze the new database (its writes refused,
//! one committed statement), carry the tail back, and in one transaction
//! on the old database drop its guard and migration tables (writable
//! again); last, mark the new database reverted. Writes are refused from
//! the freeze to that commit; a revert that cannot finish lets the new
//! service write again.

use std::time::Instant;

use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::guard::{self, GuardKind};
use crate::engine::lock;
use crate::engine::new_side;
use crate::engine::open::{self, Busy};
use crate::engine::paths::DatabaseSpec;
use crate::engine::plan::quoted::{Disclosure, QuotedText, KEYS_WITHHELD};
use crate::engine::record::{self, Guard};
use crate::engine::revert::apply::{self, Retry, BATCH};
use crate::engine::revert::new_only::{self, NewColumns};
use crate::engine::revert::store::{self, Conflict};
use crate::engine::revert::{inverse_of, verify, window, Inverse, WindowState};
use crate::engine::state::{locate, MigrationState};
use crate::engine::verify::{Chunk, Progress};
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

#[derive(Debug, Clone, Copy, Default)]
pub struct RevertOptions {
    pub busy: Busy,
    pub conflicts: Conflicts,
    pub new_columns: NewColumns,
}

#[derive(Debug, Clone, Default)]
pub struct RevertSummary {
    pub entries_replayed: u64,
    pub verified_rows: u64,
    pub verified_tables: u32,
    /// From the commit that froze the new database to the one that marked
    /// it reverted (the old one writable before it): what a service that
    /// waits for the new side's `reverted` refusal feels.
    pub refused_ms: f64,
    pub seconds: f64,
    pub discarded: Vec<Conflict>,
    /// Writes the old schema has no place for (rows of new tables).
    pub left_behind: Vec<String>,
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
        let mut frozen = Instant::now();
        let mut paused = (None, None);
        if start.must_freeze() {
            before_freeze(&mut work, &inv, opts, start.verified_at, &mut summary, ctx)?;
            checkpoint_before_freeze(&work)?;
            step(ctx, "freeze", "refusing the new database's writes");
            paused = (
                lock::pause_autocheckpoint(&work),
                lock::pause_autocheckpoint(&new_conn),
            );
            frozen = window::set_state(&new_conn, WindowState::Open, WindowState::Reverting)?;
            failpoint::hit("revert.after-freeze");
        }
        if let Err(e) = tail(&mut work, &new_conn, &inv, opts, &mut summary, ctx) {
            // Writes flow again on the new database; nothing was lost.
            window::set_state(&new_conn, WindowState::Reverting, WindowState::Open)?;
            return Err(e);
        }
        flip_old(&mut work)?;
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
/// waited for) before the freeze, while nobody can write there (a standby)
/// and the new service still writes: afterwards the old WAL holds only the
/// tail and the flip, far under the automatic checkpoint's threshold.
///
/// Not after the revert: measured from the outside (strace beside a writer
/// process), the passive checkpoints revert ran right after its last
/// commit synced the WAL and the database files (4 fsyncs) while the
/// service was making its first writes on the old database, and those
/// writes took 3-12 ms instead of 0.3 (the file system's journal), all of
/// it past mig's figure. The freeze's commits run with automatic
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

/// Catch up, refuse on conflicts, verify: all while the new service writes.
fn before_freeze(
    work: &mut rusqlite::Connection,
    inv: &Inverse,
    opts: &RevertOptions,
    verified_at: Option<u64>,
    summary: &mut RevertSummary,
    ctx: &mut Ctx<'_>,
) -> Result<()> {
    step(ctx, "catch-up", "carrying the new database's writes back");
    let conflicts = catch_up(work, inv, Retry::All, summary, ctx)?;
    if opts.conflicts == Conflicts::Refuse && !conflicts.is_empty() {
        return Err(refusal(&conflicts));
    }
    let (checkpoint, _) = store::checkpoint(work, "main")?.unwrap_or((0, None));
    if verified_at.is_some_and(|v| v <= checkpoint) {
        return Ok(());
    }
    step(
        ctx,
        "verify",
        "comparing the old database with the inverse of the new one",
    );
    // Progress as the forward verify's: one event per chunk (plain output
    // shows each table once, when finished), against the new rows counted now.
    let tables = inv
        .tables
        .iter()
        .map(|t| (t.old_table.as_str(), t.new_table.as_str()));
    let mut progress = Progress::count_in(work, "new", tables)?;
    let mut each = |table: &str, rows: u64, chunk: Chunk| progress.report(ctx, table, rows, chunk);
    let v = verify::verify_all(work, inv, &mut each)?;
    summary.verified_rows = v.rows;
    summary.verified_tables = v.tables;
    summary.entries_replayed += v.entries_replayed;
    let tx = lock::begin_immediate(work).ctx(|| "recording the reverse verification".into())?;
    let (cp, _) = store::checkpoint(&tx, "main")?.unwrap_or((0, None));
    store::set_verified(&tx, Some(cp))?;
    tx.commit()
        .ctx(|| "recording the reverse verification".into())
}

/// Replays until nothing is pending; returns the conflicts recorded.
fn catch_up(
    work: &mut rusqlite::Connection,
    inv: &Inverse,
    last: Retry,
    summary: &mut RevertSummary,
    ctx: &mut Ctx<'_>,
) -> Result<Vec<Conflict>> {
    let began = Instant::now();
    loop {
        ctx.control.check()?;
        let b = apply::batch(work, inv, BATCH, Retry::Touched)?;
        summary.entries_replayed += b.applied;
        let pending = b.log_max.saturating_sub(b.checkpoint);
        (ctx.sink)(Event::Replay {
            applied: summary.entries_replayed,
            pending,
            lag_seconds: 0.0,
            entries_per_sec: summary.entries_replayed as f64
                / began.elapsed().as_secs_f64().max(1e-6),
        });
        if b.applied == 0 || pending == 0 {
            break;
        }
    }
    apply::batch(work, inv, 0, last)?;
    store::conflicts(work, "main", inv.key_width)
}

/// With the new database frozen: the tail, and the conflicts' fate.
fn tail(
    work: &mut rusqlite::Connection,
    new_conn: &rusqlite::Connection,
    inv: &Inverse,
    opts: &RevertOptions,
    summary: &mut RevertSummary,
    ctx: &mut Ctx<'_>,
) -> Result<()> {
    step(ctx, "replay", "carrying the tail back");
    let conflicts = catch_up(work, inv, Retry::All, summary, ctx)?;
    match opts.conflicts {
        Conflicts::Refuse if !conflicts.is_empty() => Err(refusal(&conflicts)),
        _ => {
            record_discards(new_conn, &conflicts)?;
            summary.discarded = conflicts;
            Ok(())
        }
    }
}

/// The old database writable: guard, marker, logs and bookkeeping gone,
/// in one transaction that first checks nothing is pending.
fn flip_old(work: &mut rusqlite::Connection) -> Result<()> {
    let tx = lock::begin_immediate(work).ctx(|| "making the old database writable".into())?;
    failpoint::hit("revert.before-flip");
    guard::drop_in(&tx, GuardKind::Standby)?;
    record::remove_in(&tx, Guard::Any)?;
    store::drop_in(&tx)?;
    tx.commit()
        .ctx(|| "making the old database writable".into())?;
    failpoint::hit("revert.after-flip");
    Ok(())
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

/// Each discarded conflict, kept in the new database (which outlives the
/// revert) with the new row as it was.
fn record_discards(new_conn: &rusqlite::Connection, conflicts: &[Conflict]) -> Result<()> {
    if conflicts.is_empty() {
        return Ok(());
    }
    let tx = lock::begin_immediate(new_conn).ctx(|| "recording discarded rows".into())?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS main._mig_revert_discarded(tbl TEXT NOT NULL, key TEXT NOT NULL, error TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (tbl, key))",
    )
    .ctx(|| "recording discarded rows".into())?;
    for c in conflicts {
        tx.execute(
            "INSERT OR REPLACE INTO main._mig_revert_discarded VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
            [&c.table, &c.key, &c.error],
        )
        .ctx(|| "recording discarded rows".into())?;
    }
    tx.commit().ctx(|| "recording discarded rows".into())
}

/// The one line naming every refused row.
fn refusal(conflicts: &[Conflict]) -> EngineError {
    let shown = |d| -> Vec<String> {
        let key = |c: &Conflict| match d {
            Disclosure::Values => c.key.clone(),
            Disclosure::CountsOnly => KEYS_WITHHELD.to_string(),
        };
        conflicts
            .iter()
            .take(5)
            .map(|c| format!("table {} key {} ({})", c.table, key(c), c.error))
            .collect()
    };
    let more = if conflicts.len() > 5 {
        format!(" and {} more", conflicts.len() - 5)
    } else {
        String::new()
    };
    let said = |d| {
        format!(
        "revert refused: {} row(s) of the new database do not fit the old schema: {}{more}; fix them in the new database (the fix is carried back), or pass --discard-conflicts to revert without them (each is recorded in the new database's _mig_revert_discarded)",
        conflicts.len(),
        shown(d).join("; ")
    )
    };
    EngineError::RowsBlock(QuotedText::rows(
        said(Disclosure::Values),
        said(Disclosure::CountsOnly),
    ))
}
