//! Drain's freeze: refuse writes on the old database, replay the tail,
//! commit the drain, and (with `--cutover`) make the new database ready —
//! with nothing inside that grows with the database.
//!
//! What must hold at the end of drain is established before the freeze,
//! while writes flow ([`before`]): no NULL key, every old row has its new
//! row (the certificate; row counts when the copy was not verified), and a
//! full foreign-key report. Replay keeps it true batch by batch (the replay
//! guard; the foreign-key ledger), so inside the freeze only the tail is
//! replayed and checked. The freeze limit bounds everything from the
//! commit that refuses writes to the commit that finishes the drain: past
//! it, writes flow again and the drain retries.
//!
//! Timing: the refusal is measured from the moment the freeze holds the
//! old database's write lock (the service's writes wait from then, and are
//! refused once it commits) to just after the commit that accepts them
//! again or, with `--cutover`, that settles the old side after the new
//! database became ready (a write waiting on the old database's lock goes
//! on then) — so it contains every refusal a service can see, and no write
//! the service saw accepted.

use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::checks;
use super::{BeforeCutover, DrainOptions, DrainSummary, TimeoutPolicy};
use crate::engine::catalog::lit;
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::fk_ledger::{FkLedger, Follow};
use crate::engine::lock::HeldLock;
use crate::engine::mapping::retire::Left;
use crate::engine::ops::cutover::{self as cut, CutoverReport, Ready};
use crate::engine::ops::freeze_retry::{retry_or_give_up, Overrun};
use crate::engine::paths::DatabaseSpec;
use crate::engine::plan::{KeyMode, Plan};
use crate::engine::record::{self, MarkerStatus};
use crate::engine::state::MigrationState;
use crate::engine::{lock, new_side, replay, Ctx, Event};

/// Checks what must hold at the end of drain while writes still flow, at
/// one snapshot of both databases (caught up first, in batches): no NULL
/// key anywhere and, unless the copy is certified (compared in full),
/// equal row counts. Then the full foreign-key report, which the returned
/// ledger keeps current. Also returns the log entries it replayed.
pub(super) fn before(
    work: &mut Connection,
    plan: &Plan,
    (certified, catch_up_below): (bool, u64),
    ctx: &mut Ctx<'_>,
) -> Result<(FkLedger, u64)> {
    (ctx.sink)(Event::Step {
        step: "check",
        message: if certified {
            "checking keys and foreign keys while writes still flow".into()
        } else {
            "checking keys, row counts and foreign keys while writes still flow".into()
        },
    });
    let mut replayed = replay::catch_up(work, plan, catch_up_below, ctx)?;
    let tx = lock::begin_immediate(work).ctx(|| "checking before the freeze".into())?;
    replayed += replay::batch_in(&tx, plan, u64::MAX)?.applied;
    checks::null_keys(&tx, plan)?;
    if !certified {
        checks::row_counts(&tx, plan)?;
    }
    tx.commit().ctx(|| "checking before the freeze".into())?;
    let ledger = FkLedger::start(work)?;
    settle_wal(work)?;
    Ok((ledger, replayed))
}

/// Copies the new database's WAL into it while writes to the old one still
/// flow: at the end of the job the last connection's close checkpoints
/// whatever the WAL holds, and the new service, which opens the database at
/// that moment, would wait for it. Passive: it waits for no reader (a
/// reader's open transaction made TRUNCATE wait out the whole busy
/// timeout, silently); what a reader still needs stays in the WAL, which
/// only costs time later.
fn settle_wal(work: &Connection) -> Result<()> {
    work.query_row("PRAGMA main.wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        .ctx(|| "checkpointing the new database before the freeze".into())
}

/// What the freeze does once the drain committed.
pub(super) enum Then<'a> {
    /// Stop: writes stay refused until `mig cutover`.
    Hold,
    /// `drain --cutover`.
    Cutover(Box<CutoverStep<'a>>),
}

/// `drain --cutover`'s cutover: commit `ready` on `conn` (both checked and
/// opened before the freeze), after `gate` said yes right before the
/// attempt.
pub(super) struct CutoverStep<'a> {
    pub ready: Ready,
    pub conn: Connection,
    pub gate: BeforeCutover<'a>,
}

/// Freezes until the drain is committed (and cut over, when asked), or
/// gives up as the options say. Writes are flowing when it is called, and
/// are flowing again whenever it fails.
///
/// A `drain --cutover` asks its gate before every attempt, not once: an
/// attempt over the limit lets writes flow again, so the state the hook
/// approved is gone by the next freeze, and its answer is asked for the
/// cutover that actually happens.
pub(super) fn freeze(
    (spec, work, old_rw): (&DatabaseSpec, &mut Connection, &Connection),
    plan: &Plan,
    ledger: &FkLedger,
    opts: &DrainOptions,
    then: &mut Then<'_>,
    ctx: &mut Ctx<'_>,
    summary: &mut DrainSummary,
) -> Result<()> {
    loop {
        summary.attempts += 1;
        if let Then::Cutover(step) = then {
            ask_gate(&mut *step.gate, summary.attempts, ctx)?;
        }
        (ctx.sink)(Event::Step {
            step: "catch-up",
            message: "replaying while writes still flow".into(),
        });
        summary.entries_replayed += replay::catch_up(work, plan, opts.catch_up_below, ctx)?;
        in_tx(work, "re-checking foreign keys", |tx| {
            ledger.advance(tx, Follow::Scan)
        })?;
        if let Then::Cutover(step) = then {
            step.ready.before_freeze()?;
        }
        crate::engine::failpoint::hit("drain.before-freeze");
        (ctx.sink)(Event::Step {
            step: "freeze",
            message: "refusing writes on the old database (as soon as it has the write lock)"
                .into(),
        });
        let (refused, frozen_version, held) = flip(old_rw, &*then)?;
        crate::engine::failpoint::hit("drain.after-freeze");
        let deadline = refused + opts.freeze_limit;
        let finished = tail(work, plan, deadline, ctx).and_then(|(n, done)| {
            summary.entries_replayed += n;
            match done {
                true => finish(work, plan, ledger, deadline),
                false => Ok(None),
            }
        });
        let finished = match finished {
            Ok(f) => f,
            Err(e) => {
                drop(held);
                return Err(back_to_recording(old_rw, e));
            }
        };
        let Some((checkpoint, committed)) = finished else {
            drop(held);
            let accepted = accept_writes(old_rw)?;
            timed_out(opts, summary, accepted - refused, ctx)?;
            continue;
        };
        crate::engine::failpoint::hit("drain.after-finish");
        summary.checkpoint = checkpoint;
        summary.freeze_ms = ms(committed - refused);
        summary.refused_ms = match &*then {
            Then::Cutover(step) => {
                let (conn, ready) = (&step.conn, &step.ready);
                let old = (old_rw, frozen_version, held);
                let report = cut::cutover_drained((conn, old), ready)
                    .map_err(|e| cutover_failed(spec, opts, old_rw, e))?;
                let refused_ms = announce_ready(report, refused, summary, ctx);
                let left = cut::sweep_after_cutover(conn);
                if let Some(report) = summary.cutover.as_mut() {
                    report.id_mapping_removed = left == Some(Left::Nothing);
                }
                refused_ms
            }
            Then::Hold => ms(Instant::now() - refused),
        };
        return Ok(());
    }
}

/// The cutover's gate, while writes flow: asked before every attempt.
fn ask_gate(gate: &mut dyn FnMut() -> Result<()>, attempt: u32, ctx: &mut Ctx<'_>) -> Result<()> {
    (ctx.sink)(Event::Step {
        step: "before-cutover",
        message: match attempt {
            1 => "asking whether the cutover may go ahead, while writes still flow".into(),
            n => format!(
                "asking again whether the cutover may go ahead (attempt {n}): writes flowed since the last answer"
            ),
        },
    });
    gate()
}

/// `drain --cutover` made the new database ready: the refusal up to the
/// old side's commit after it (a write waiting on the old database's lock
/// goes on then), announced at once.
fn announce_ready(
    mut report: CutoverReport,
    refused: Instant,
    summary: &mut DrainSummary,
    ctx: &mut Ctx<'_>,
) -> f64 {
    let refused_ms = ms(report.committed.unwrap_or_else(Instant::now) - refused);
    report.writes_refused_ms = Some(refused_ms);
    (ctx.sink)(Event::Ready {
        message: format!(
            "cut over: the new database {} is ready; writes were refused for {:.1} ms",
            report.new_path.display(),
            refused_ms
        ),
    });
    summary.cutover = Some(report);
    refused_ms
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Refuses writes; returns the instant the service's writes began to wait,
/// the old catalog's schema version then (checked against the one
/// recorded) and, for `drain --cutover`, the write lock kept after the
/// commit.
///
/// `drain --cutover` flips on the old side's step's connection and holds
/// the old database's write lock (writing nothing) from that commit,
/// retaken in the same call into SQLite, until the old side's step
/// commits in it: a service's write that arrives meanwhile waits there,
/// then is refused naming the ready database (or goes through, if the
/// attempt gives up), with no moment between for it to be refused while
/// the new database is not ready yet, instead of being
/// refused while the new database still carries its migrating guards — a
/// service asking for readiness then reads the new schema with thousands
/// of them (~45 ms per fresh connection at 3,000, several times that on a
/// loaded machine) and learns of readiness that much after it came. The
/// refusal figure runs from the freeze's lock either way. A plain drain
/// holds nothing (writes stay refused until `mig cutover`).
fn flip<'c>(
    old_rw: &'c Connection,
    then: &'c Then<'_>,
) -> Result<(Instant, i64, Option<HeldLock<'c>>)> {
    match then {
        Then::Cutover(step) => step.ready.freeze_old(),
        Then::Hold => {
            let (from, to) = (MarkerStatus::Recording, MarkerStatus::Draining);
            let (at, version) = record::set_status_at(old_rw, from, to)?;
            Ok((at, version, None))
        }
    }
}

/// Accepts writes again; returns the instant just after the commit.
fn accept_writes(old_rw: &Connection) -> Result<Instant> {
    record::set_status(old_rw, MarkerStatus::Draining, MarkerStatus::Recording)?;
    Ok(Instant::now())
}

/// An attempt ran over the freeze limit (writes flow again): retry after a
/// backoff, or give up as the options say.
fn timed_out(
    opts: &DrainOptions,
    summary: &mut DrainSummary,
    refused: Duration,
    ctx: &mut Ctx<'_>,
) -> Result<()> {
    let overrun = Overrun {
        freeze: "the freeze",
        limit: opts.freeze_limit,
        refused,
        writes_again: "the old database accepts writes again",
        kept: "nothing lost",
        attempts: summary.attempts,
        give_up: opts.policy == TimeoutPolicy::Stop || summary.attempts >= opts.max_attempts,
        then: "run `mig drain` again when the write load is lower, or raise --freeze-limit-ms",
    };
    retry_or_give_up(overrun, ctx)
}

/// Never leaves writes refused because the drain failed: returns the old
/// database to recording and passes on `e` (or says that it could not).
pub(super) fn back_to_recording(old_rw: &Connection, e: EngineError) -> EngineError {
    match record::set_status(old_rw, MarkerStatus::Draining, MarkerStatus::Recording) {
        Ok(()) => e,
        Err(r) => EngineError::Precondition(format!(
            "{e}; and the old database could not be returned to recording ({r}): it still refuses writes, run `mig drain` again or `mig reset`"
        )),
    }
}

/// Replays until nothing is pending (true) or the deadline passes (false).
pub(super) fn tail(
    work: &mut Connection,
    plan: &Plan,
    deadline: Instant,
    ctx: &mut Ctx<'_>,
) -> Result<(u64, bool)> {
    let started = Instant::now();
    let mut applied = 0;
    loop {
        let b = replay::batch(work, plan, replay::BATCH)?;
        applied += b.applied;
        let pending = b.log_max.saturating_sub(b.checkpoint);
        (ctx.sink)(Event::Replay {
            applied,
            pending,
            lag_seconds: 0.0,
            entries_per_sec: applied as f64 / started.elapsed().as_secs_f64().max(1e-6),
        });
        if pending == 0 {
            return Ok((applied, true));
        }
        if Instant::now() >= deadline {
            return Ok((applied, false));
        }
    }
}

/// Marks the drain complete in one transaction with the last bookkeeping:
/// AUTOINCREMENT counters never go backwards across the migration, and the
/// foreign-key report covers the tail. `None` (rolled back) when the
/// deadline passed; else the checkpoint and the instant after the commit.
fn finish(
    work: &mut Connection,
    plan: &Plan,
    ledger: &FkLedger,
    deadline: Instant,
) -> Result<Option<(u64, Instant)>> {
    crate::engine::failpoint::hit("drain.before-finish");
    let tx = lock::begin_immediate(work).ctx(|| "finishing the drain".into())?;
    let checkpoint = new_side::checkpoint(&tx)?;
    carry_sequences(&tx, plan)?;
    ledger.advance(&tx, Follow::IndexOnly)?;
    if Instant::now() >= deadline {
        return Ok(None);
    }
    new_side::set_flag(&tx, "drain", checkpoint)?;
    tx.commit().ctx(|| "finishing the drain".into())?;
    Ok(Some((checkpoint, Instant::now())))
}

/// AUTOINCREMENT counters of preserved tables never go backwards.
fn carry_sequences(tx: &Connection, plan: &Plan) -> Result<()> {
    let has_seq = |schema: &str| record::has_table(tx, schema, "sqlite_sequence");
    if !(has_seq("main")? && has_seq("old")?) {
        return Ok(());
    }
    for t in plan
        .tables
        .iter()
        .filter(|t| t.key_mode == KeyMode::Preserved)
    {
        let Some(src) = &t.source else { continue };
        tx.execute(
            &format!(
                "UPDATE main.sqlite_sequence SET seq = max(seq, (SELECT seq FROM old.sqlite_sequence WHERE name = {src})) \
                 WHERE name = {t} AND EXISTS (SELECT 1 FROM old.sqlite_sequence WHERE name = {src})",
                src = lit(src),
                t = lit(&t.name)
            ),
            [],
        )
        .ctx(|| format!("carrying over the AUTOINCREMENT counter of {}", t.name))?;
    }
    Ok(())
}

/// A failed `drain --cutover` cutover: writes flow to the old database
/// again unless the new one became ready (the cutover committed, and then
/// settling the old side failed): then both would take writes, so the old
/// one keeps refusing them and `mig cutover` finishes its side.
fn cutover_failed(
    spec: &DatabaseSpec,
    opts: &DrainOptions,
    old_rw: &Connection,
    e: EngineError,
) -> EngineError {
    let ready = MigrationState::read(spec, opts.busy).is_ok_and(|st| st.cut_over());
    if !ready {
        return back_to_recording(old_rw, e);
    }
    EngineError::Precondition(format!(
        "{e}; the new database is ready (cut over) and the old one still refuses writes: run `mig cutover` to finish the old side"
    ))
}

/// Runs `f` in a write transaction on the new database.
fn in_tx(
    work: &mut Connection,
    what: &str,
    f: impl FnOnce(&Connection) -> Result<()>,
) -> Result<()> {
    let tx = lock::begin_immediate(work).ctx(|| what.into())?;
    f(&tx)?;
    tx.commit().ctx(|| what.into())
}
