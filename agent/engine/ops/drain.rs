//! `drain`: catch up while writes still flow, then refuse writes on the old
//! database and replay the short tail, within a bounded freeze.
//!
//! If the tail is not replayed within the freeze limit the old database goes
//! back to `recording` (writes flow again; nothing is lost, replay is
//! idempotent) and the drain retries or stops, as the operator chose.

use std::time::{Duration, Instant};

use rusqlite::Connection;

mod checks;

use crate::engine::catalog::{lit, q};
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::lock;
use crate::engine::open::{self, Busy};
use crate::engine::paths::DatabaseSpec;
use crate::engine::plan::{KeyMode, Plan};
use crate::engine::record::{self, MarkerStatus};
use crate::engine::state::{locate, DrainStart, MigrationState, Writes};
use crate::engine::verify::Repair;
use crate::engine::{certificate, meta, replay, Ctx, Event};

use super::recorded_plan;
use super::verify::VerifyOptions;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutPolicy {
    /// Back to recording, wait, try again (up to `max_attempts`).
    Retry,
    /// Back to recording and fail.
    Stop,
}

/// Whether drain verifies the copy before it freezes writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyFirst {
    /// Verify (while writes flow) unless the migration is already certified.
    WhenUncertified,
    /// Do not verify; recorded, and cutover then refuses without its own
    /// `--skip-verify`.
    Skip,
}

/// What drain's verify stage did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum VerifyStage {
    /// Certified by an earlier verify; nothing to compare.
    #[default]
    AlreadyCertified,
    /// Compared every table while writes flowed, and certified.
    Verified {
        rows: u64,
        rows_repaired: u64,
        millis: u64,
    },
    /// `--skip-verify`: not compared, not certified.
    Skipped,
}

#[derive(Debug, Clone)]
pub struct DrainOptions {
    pub busy: Busy,
    /// Longest time writes may stay refused in one attempt.
    pub freeze_limit: Duration,
    /// Freeze only once at most this many entries are pending.
    pub catch_up_below: u64,
    pub policy: TimeoutPolicy,
    pub max_attempts: u32,
    pub verify_first: VerifyFirst,
    /// Old rows per compared chunk in the verify stage.
    pub verify_chunk_rows: u64,
}

impl Default for DrainOptions {
    fn default() -> Self {
        DrainOptions {
            busy: Busy::default(),
            freeze_limit: Duration::from_secs(2),
            catch_up_below: 2_000,
            policy: TimeoutPolicy::Retry,
            max_attempts: 5,
            verify_first: VerifyFirst::WhenUncertified,
            verify_chunk_rows: super::verify::CHUNK_ROWS,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct DrainSummary {
    pub entries_replayed: u64,
    pub seconds: f64,
    /// How long writes were refused in the attempt that succeeded.
    pub freeze_ms: f64,
    pub attempts: u32,
    pub checkpoint: u64,
    pub warnings: Vec<String>,
    pub verify: VerifyStage,
}

pub fn drain(spec: &DatabaseSpec, opts: &DrainOptions, ctx: &mut Ctx<'_>) -> Result<DrainSummary> {
    let started = Instant::now();
    let st = MigrationState::claim(locate(spec, opts.busy), opts.busy)?;
    let start = st.require_drainable()?;
    let (old, new) = (st.old_path()?, st.new_path()?);
    let old_rw = open::old_rw(old, opts.busy)?;
    let mut work = open::work(new, Some(old), opts.busy)?;
    let plan = recorded_plan(&work, &start.identity)?;
    let mut summary = DrainSummary::default();
    let stage = verify_stage(&mut work, &old_rw, &plan, &start, opts, ctx)?;
    summary.verify = stage.verify;
    summary.entries_replayed += stage.replayed;
    if stage.writes == Writes::Flowing {
        freeze_and_replay(&mut work, &old_rw, &plan, opts, ctx, &mut summary)?;
    } else {
        (ctx.sink)(Event::Step {
            step: "replay",
            message: "the old database already refuses writes; replaying the rest".into(),
        });
        let (n, _) =
            replay_all(&mut work, &plan, None, ctx).map_err(|e| back_to_recording(&old_rw, e))?;
        summary.entries_replayed += n;
        summary.attempts = 1;
    }
    crate::engine::failpoint::hit("drain.before-finish");
    summary.checkpoint = finish(&mut work, &plan).map_err(|e| back_to_recording(&old_rw, e))?;
    crate::engine::failpoint::hit("drain.after-finish");
    summary.warnings = foreign_key_warnings(&work)?;
    for w in &summary.warnings {
        (ctx.sink)(Event::Notice {
            warn: true,
            message: w.clone(),
        });
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Before the freeze: unless the migration is certified (or the operator
/// skips it), catch up and verify every table while writes still flow, which
/// certifies the copy. A drain resumed with writes already refused and no
/// certification lets writes flow again first, so the freeze stays short.
fn verify_stage(
    work: &mut Connection,
    old_rw: &Connection,
    plan: &Plan,
    start: &DrainStart,
    opts: &DrainOptions,
    ctx: &mut Ctx<'_>,
) -> Result<Stage> {
    let id = &start.identity;
    let unchanged = |verify| Stage {
        writes: start.writes,
        verify,
        replayed: 0,
    };
    if start.certified {
        (ctx.sink)(Event::Step {
            step: "verify",
            message: "the copy is already verified (certified); not comparing again".into(),
        });
        return Ok(unchanged(VerifyStage::AlreadyCertified));
    }
    if opts.verify_first == VerifyFirst::Skip {
        let tx = lock::begin_immediate(work).ctx(|| "recording --skip-verify".into())?;
        certificate::record_skip(&tx, &id.migration_id, certificate::Skipped::Drain)?;
        tx.commit().ctx(|| "recording --skip-verify".into())?;
        (ctx.sink)(Event::Notice {
            warn: true,
            message: "--skip-verify: the copy is not verified; run `mig verify` before cutover, or cutover needs --skip-verify too".into(),
        });
        return Ok(unchanged(VerifyStage::Skipped));
    }
    if start.writes == Writes::Refused {
        record::set_status(old_rw, MarkerStatus::Draining, MarkerStatus::Recording)?;
        (ctx.sink)(Event::Notice {
            warn: false,
            message: "the copy is not verified yet: the old database accepts writes again while it is compared".into(),
        });
    }
    let started = Instant::now();
    (ctx.sink)(Event::Step {
        step: "catch-up",
        message: "replaying while writes still flow, before verifying".into(),
    });
    let caught_up = replay::catch_up(work, plan, opts.catch_up_below, ctx)?;
    let vopts = VerifyOptions {
        busy: opts.busy,
        chunk_rows: opts.verify_chunk_rows.max(1),
        repair: Repair::Recopy,
        queries: None,
    };
    let v = super::verify::verify_all(work, plan, &id.migration_id, &vopts, "drain", ctx)?;
    Ok(Stage {
        writes: Writes::Flowing,
        verify: VerifyStage::Verified {
            rows: v.rows,
            rows_repaired: v.rows_repaired,
            millis: (started.elapsed().as_secs_f64() * 1000.0) as u64,
        },
        replayed: caught_up + v.entries_replayed,
    })
}

/// What the verify stage leaves for the rest of the drain.
struct Stage {
    /// Whether writes flow when the freeze starts.
    writes: Writes,
    verify: VerifyStage,
    /// Log entries it replayed.
    replayed: u64,
}

fn freeze_and_replay(
    work: &mut Connection,
    old_rw: &Connection,
    plan: &Plan,
    opts: &DrainOptions,
    ctx: &mut Ctx<'_>,
    summary: &mut DrainSummary,
) -> Result<()> {
    loop {
        summary.attempts += 1;
        (ctx.sink)(Event::Step {
            step: "catch-up",
            message: "replaying while writes still flow".into(),
        });
        summary.entries_replayed += replay::catch_up(work, plan, opts.catch_up_below, ctx)?;
        (ctx.sink)(Event::Step {
            step: "freeze",
            message: "old database now refuses writes".into(),
        });
        record::set_status(old_rw, MarkerStatus::Recording, MarkerStatus::Draining)?;
        crate::engine::failpoint::hit("drain.after-freeze");
        let frozen = Instant::now();
        let deadline = frozen + opts.freeze_limit;
        let outcome = replay_all(work, plan, Some(deadline), ctx);
        match outcome {
            Ok((n, true)) => {
                summary.entries_replayed += n;
                summary.freeze_ms = frozen.elapsed().as_secs_f64() * 1000.0;
                return Ok(());
            }
            Ok((n, false)) => {
                summary.entries_replayed += n;
                record::set_status(old_rw, MarkerStatus::Draining, MarkerStatus::Recording)?;
                let msg = format!(
                    "the tail was not replayed within the {} ms freeze limit; the old database accepts writes again (nothing lost)",
                    opts.freeze_limit.as_millis()
                );
                if opts.policy == TimeoutPolicy::Stop || summary.attempts >= opts.max_attempts {
                    return Err(EngineError::FreezeTimeout(format!(
                        "{msg}; gave up after {} attempt(s): run `mig drain` again when the write load is lower, or raise --freeze-limit",
                        summary.attempts
                    )));
                }
                let backoff = Duration::from_millis(500 * u64::from(summary.attempts));
                (ctx.sink)(Event::Notice {
                    warn: true,
                    message: format!("{msg}; retrying in {} ms", backoff.as_millis()),
                });
                std::thread::sleep(backoff);
            }
            Err(e) => return Err(back_to_recording(old_rw, e)),
        }
    }
}

/// Never leaves writes refused because the drain failed: returns the old
/// database to recording and passes on `e` (or says that it could not).
fn back_to_recording(old_rw: &Connection, e: EngineError) -> EngineError {
    match record::set_status(old_rw, MarkerStatus::Draining, MarkerStatus::Recording) {
        Ok(()) => e,
        Err(r) => EngineError::Precondition(format!(
            "{e}; and the old database could not be returned to recording ({r}): it still refuses writes, run `mig drain` again or `mig reset`"
        )),
    }
}

/// Replays until nothing is pending (true) or the deadline passes (false).
fn replay_all(
    work: &mut Connection,
    plan: &Plan,
    deadline: Option<Instant>,
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
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok((applied, false));
        }
    }
}

/// Marks the drain complete, in one transaction with the last bookkeeping
/// (AUTOINCREMENT counters never go backwards across the migration) and the
/// verification that every old row has its new row.
fn finish(work: &mut Connection, plan: &Plan) -> Result<u64> {
    let tx = lock::begin_immediate(work).ctx(|| "finishing the drain".into())?;
    let checkpoint = meta::checkpoint(&tx)?;
    let has_seq = |schema: &str| record::has_table(&tx, schema, "sqlite_sequence");
    if has_seq("main")? && has_seq("old")? {
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
    }
    checks::null_keys(&tx, plan)?;
    checks::row_counts(&tx, plan)?;
    meta::set_flag(&tx, "drain", checkpoint)?;
    tx.commit().ctx(|| "finishing the drain".into())?;
    Ok(checkpoint)
}

fn foreign_key_warnings(work: &Connection) -> Result<Vec<String>> {
    let mut stmt = work
        .prepare("PRAGMA main.foreign_key_check")
        .ctx(|| "checking foreign keys".into())?;
    let mut rows = stmt.query([]).ctx(|| "checking foreign keys".into())?;
    let mut per_table: Vec<(String, u64)> = Vec::new();
    while let Some(r) = rows.next().ctx(|| "checking foreign keys".into())? {
        let table: String = r.get(0).ctx(|| "checking foreign keys".into())?;
        if table.starts_with('_') && crate::engine::catalog::is_internal(&table) {
            continue;
        }
        match per_table.iter_mut().find(|(t, _)| *t == table) {
            Some((_, n)) => *n += 1,
            None => per_table.push((table, 1)),
        }
    }
    Ok(per_table
        .into_iter()
        .map(|(t, n)| format!("{n} row(s) of {} in the new database reference a missing parent (foreign key); fix them before the new service enables foreign keys", q(&t)))
        .collect())
}
