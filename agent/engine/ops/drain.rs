//! `drain`: verify and check while writes still flow, then refuse writes on
//! the old database for a bounded freeze that replays only the tail
//! (`drain/freeze.rs`), and with `--cutover` make the new database ready in
//! the same job.
//!
//! If the freeze does not finish within its limit the old database goes
//! back to `recording` (writes flow again; nothing is lost, replay is
//! idempotent) and the drain retries or stops, as the operator chose.

use std::time::{Duration, Instant};

use rusqlite::Connection;

mod checks;
mod freeze;

use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::open::{self, Busy};
use crate::engine::paths::DatabaseSpec;
use crate::engine::plan::Plan;
use crate::engine::record::{self, MarkerStatus};
use crate::engine::state::{locate, DrainStart, MigrationState, Session, Verification, Writes};
use crate::engine::verify::Repair;
use crate::engine::{certificate, replay, Ctx, Event};
use crate::engine::{guard, lock};

use super::cutover::{CutoverReport, Ready};
use super::plan::Blocks;
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

/// What drain does once the tail is replayed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AfterDrain {
    /// Stop: writes stay refused until `mig cutover` makes the new
    /// database ready.
    #[default]
    Hold,
    /// Cut over in the same job (`--cutover`): writes are refused from the
    /// freeze until the new database is ready, with no step in between.
    /// With a revert window of that many seconds (0: none), as `cutover
    /// --revert-window` opens it.
    Cutover { revert_window_secs: u64 },
}

/// Asked right before every freeze attempt of a `drain --cutover`, while
/// writes still flow (the agent's `on-before-cutover` hook): an error
/// refuses the drain there, with writes flowing and nothing drained or cut
/// over. Asked again after an attempt ran over its limit (writes flowed
/// since the last answer), so it vetoes the cutover that happens.
pub type BeforeCutover<'a> = &'a mut dyn FnMut() -> Result<()>;

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
    /// Longest time writes may stay refused in one attempt: from the freeze's
    /// lock on the old database to the commit that finishes the drain.
    pub freeze_limit: Duration,
    /// Freeze only once at most this many entries are pending: the tail
    /// the freeze replays.
    pub catch_up_below: u64,
    pub policy: TimeoutPolicy,
    pub max_attempts: u32,
    pub verify_first: VerifyFirst,
    /// Old rows per compared chunk in the verify stage.
    pub verify_chunk_rows: u64,
    pub then: AfterDrain,
    /// Accept an old database that left WAL mode since `migrate` (the
    /// catch-up and verify then block the service's writers while they
    /// read), as `migrate` accepts one with the same option.
    pub allow_rollback_journal: bool,
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
            then: AfterDrain::Hold,
            allow_rollback_journal: false,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct DrainSummary {
    pub entries_replayed: u64,
    pub seconds: f64,
    /// The freeze of the attempt that succeeded: from its lock on the old
    /// database to the commit that finished the drain.
    pub freeze_ms: f64,
    /// How long writes were refused in the attempt that succeeded, as the
    /// service sees it: from the freeze's lock on the old database to the
    /// moment the new database is ready (`--cutover`), or else to the end of
    /// the drain (writes stay refused until `mig cutover`).
    pub refused_ms: f64,
    /// The cutover `--cutover` made.
    pub cutover: Option<CutoverReport>,
    pub attempts: u32,
    pub checkpoint: u64,
    pub warnings: Vec<String>,
    pub verify: VerifyStage,
}

pub fn drain(spec: &DatabaseSpec, opts: &DrainOptions, ctx: &mut Ctx<'_>) -> Result<DrainSummary> {
    drain_gated(spec, opts, &mut || Ok(()), ctx)
}

/// [`drain`], asking `before_cutover` before the freeze of a `--cutover`.
pub fn drain_gated(
    spec: &DatabaseSpec,
    opts: &DrainOptions,
    before_cutover: BeforeCutover<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<DrainSummary> {
    let started = Instant::now();
    let mut session = Session::claim(locate(spec, opts.busy), opts.busy)?;
    let st = &session.state;
    if let AfterDrain::Cutover { revert_window_secs } = opts.then {
        st.require_window_if_asked(revert_window_secs)?;
    }
    let start = st.require_drainable()?;
    if completed(st, &start) {
        // Draining again would let writes through and freeze anew.
        drop(session);
        return cutover_only(spec, opts, before_cutover, ctx, started);
    }
    let (old, new) = (st.old_path()?.to_path_buf(), st.new_path()?.to_path_buf());
    if let AfterDrain::Cutover { revert_window_secs } = opts.then {
        // Refused now rather than after the verify stage and the freeze.
        super::cutover::window_inverse(&start.identity, &old, revert_window_secs)?;
    }
    let old_rw = session.old_rw(opts.busy)?;
    // Refused while writes flow; an interrupted drain that left them
    // refused goes on, so they flow again.
    if !opts.allow_rollback_journal && start.writes != Writes::Refused {
        if let Some(b) = super::plan::journal_blocker(&old_rw, &old, Blocks::DrainReads)? {
            return Err(EngineError::Precondition(b));
        }
    }
    let mut pair = session.pair(old_rw, opts.busy)?;
    let (work, old_rw): (&mut Connection, &Connection) = (&mut pair.work, &pair.old);
    let plan = recorded_plan(work, &start.identity)?;
    crate::engine::mapping::upgrade_legacy(work, &plan)?;
    let mut summary = DrainSummary::default();
    if start.writes == Writes::Refused {
        // An interrupted drain left writes refused: checking and verifying
        // take as long as they take, so writes flow while they run.
        record::set_status(old_rw, MarkerStatus::Draining, MarkerStatus::Recording)?;
        (ctx.sink)(Event::Notice {
            warn: false,
            message: "an interrupted drain left writes refused: the old database accepts them again while drain checks, then freezes anew".into(),
        });
    }
    let stage = verify_stage(work, &plan, &start, opts, ctx)?;
    summary.verify = stage.verify;
    summary.entries_replayed += stage.replayed;
    let certified = !matches!(stage.verify, VerifyStage::Skipped);
    let (ledger, replayed) = freeze::before(work, &plan, (certified, opts.catch_up_below), ctx)?;
    summary.entries_replayed += replayed;
    // Cutover's step on the old database becomes one row's update.
    guard::arm(old_rw, &new.display().to_string())?;
    let mut then = then(spec, opts, stage.verify, before_cutover)?;
    freeze::freeze(
        (spec, work, old_rw),
        &plan,
        &ledger,
        opts,
        &mut then,
        ctx,
        &mut summary,
    )?;
    // Printed once, with the summary (every follower of the job gets it).
    summary.warnings = ledger.warnings(work)?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Whether a drain already completed (writes refused, every entry
/// replayed at the current checkpoint).
fn completed(st: &MigrationState, start: &DrainStart) -> bool {
    start.writes == Writes::Refused && st.require_drained().is_ok()
}

/// After a completed drain: plain `drain` is already done; `drain
/// --cutover` does only the cutover, behind the same gate.
fn cutover_only(
    spec: &DatabaseSpec,
    opts: &DrainOptions,
    before_cutover: BeforeCutover<'_>,
    ctx: &mut Ctx<'_>,
    started: Instant,
) -> Result<DrainSummary> {
    let AfterDrain::Cutover { revert_window_secs } = opts.then else {
        let st = MigrationState::read(spec, opts.busy)?;
        let since = st
            .marker()
            .map(|m| format!(" (writes refused since {})", m.updated_at))
            .unwrap_or_default();
        return Err(EngineError::AlreadyDone(format!(
            "{} is already drained{since}; nothing to do: run `mig cutover`",
            st.new_path()?.display()
        )));
    };
    (ctx.sink)(Event::Step {
        step: "before-cutover",
        message: "already drained: asking whether the cutover may go ahead".into(),
    });
    before_cutover()?;
    let report = super::cutover::cutover(
        spec,
        &super::cutover::CutoverOptions {
            busy: opts.busy,
            verification: match opts.verify_first {
                VerifyFirst::Skip => Verification::Skip,
                VerifyFirst::WhenUncertified => Verification::Required,
            },
            revert_window_secs,
        },
    )?;
    Ok(DrainSummary {
        seconds: started.elapsed().as_secs_f64(),
        refused_ms: report.writes_refused_ms.unwrap_or_default(),
        cutover: Some(report),
        ..DrainSummary::default()
    })
}

/// What the freeze does after the drain: for `--cutover`, the cutover
/// checked (certified, or skipped as the drain did; the window's inverse)
/// and its connection opened now, while writes flow.
fn then<'a>(
    spec: &DatabaseSpec,
    opts: &DrainOptions,
    verify: VerifyStage,
    gate: BeforeCutover<'a>,
) -> Result<freeze::Then<'a>> {
    let AfterDrain::Cutover { revert_window_secs } = opts.then else {
        return Ok(freeze::Then::Hold);
    };
    let verification = match verify {
        VerifyStage::Skipped => Verification::Skip,
        _ => Verification::Required,
    };
    let st = MigrationState::read(spec, opts.busy)?;
    let ready = Ready::check(&st, verification, revert_window_secs, opts.busy)?;
    let conn = open::work(ready.new_path(), None, opts.busy)?;
    Ok(freeze::Then::Cutover(Box::new(freeze::CutoverStep {
        ready,
        conn,
        gate,
    })))
}

/// Before the freeze: unless the migration is certified (or the operator
/// skips it), catch up and verify every table while writes still flow, which
/// certifies the copy.
fn verify_stage(
    work: &mut Connection,
    plan: &Plan,
    start: &DrainStart,
    opts: &DrainOptions,
    ctx: &mut Ctx<'_>,
) -> Result<Stage> {
    let id = &start.identity;
    let unchanged = |verify| Stage {
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
    verify: VerifyStage,
    /// Log entries it replayed.
    replayed: u64,
}
