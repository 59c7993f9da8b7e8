//! `migrate`'s checks before it writes, and where its constraint pre-check
//! (`plan::assess::blocking_violations`: old rows the copy could not get
//! past) runs: before any file exists on a small database, beside the copy
//! on a large one.
//!
//! Beside the copy, the pre-check reads the old database on the plan's own
//! connection (the target schema in memory, the old file attached) on a
//! thread of its own, once the recording triggers are installed. A blocking
//! violation interrupts the copy's connection, and `migrate` then withdraws
//! what it wrote (the triggers, the log, the new file) and refuses with the
//! same line as before any file existed: the old database's rows are never
//! changed; the service paid only the recording of its writes meanwhile.
//! A `migrate` killed before the pre-check passed leaves a copy not
//! complete, and the run that resumes it checks again ([`Precheck::Beside`]
//! until the copy's flag says it passed).

use std::path::Path;
use std::thread::JoinHandle;

use rusqlite::{Connection, InterruptHandle};

use super::plan::recorded_and;
use crate::engine::error::{EngineError, Result};
use crate::engine::open;
use crate::engine::plan::quoted::QuotedText;
use crate::engine::plan::{self, Plan};
use crate::engine::schema::SchemaFile;
use crate::engine::state::{MigrationState, Start};

use super::MigrateOptions;

/// Above this many old rows a fresh `migrate` on a machine of at least
/// [`BESIDE_MIN_CORES`] runs its pre-check beside the copy instead of
/// before it: below, the pre-check takes a few milliseconds
/// and refusing before the old database is touched is worth more (the
/// bench's schema with a UNIQUE index and two CHECKs added: 0.65 s of the
/// run at 1M rows; what overlapping it gains depends on a spare core: see
/// docs/benchmarks.md, seventh run).
const BESIDE_ABOVE_ROWS: u64 = 100_000;

/// Where the pre-check of a plan that passed its other checks runs.
pub(super) enum Precheck {
    /// Passed before any file was created, or passed by the run whose copy
    /// completed (its flag is only set once the pre-check passed).
    Done,
    /// To run beside the copy on this connection (the plan's own: the
    /// target schema as `main`, the old database attached as `old`).
    Beside(Connection),
}

/// The plan `migrate` goes by, refused while it has blockers or, before
/// any file exists, a volume too small for the copy; with where its
/// constraint pre-check runs (refused now when it runs now).
pub(super) fn checked_plan(
    scratch: Connection,
    schema: &SchemaFile,
    hash: &str,
    (old, old_rw): (&Path, &Connection),
    (st, start): (&MigrationState, &Start),
    opts: &MigrateOptions,
) -> Result<(Plan, Precheck)> {
    let left = recorded_and(st, &opts.left_to_owner);
    open::waits(&scratch, opts.busy)?;
    // `migrate`'s `old_rw` closes after the scratch (and after the thread
    // running the pre-check beside the copy is joined).
    open::attach_old_under(&scratch, old, old_rw)?;
    let plan = plan::build_leaving(&scratch, schema, hash, plan::Depth::Full, &left)?;
    if !plan.blockers.is_empty() {
        return Err(EngineError::PlanBlocked(
            plan.blockers
                .iter()
                .cloned()
                .map(QuotedText::from)
                .collect(),
        ));
    }
    if !matches!(start, Start::Fresh | Start::Recreate { .. }) {
        // Resumed: the run that started it may have died before its
        // pre-check passed.
        let precheck = match st.copied() {
            true => Precheck::Done,
            false => Precheck::Beside(scratch),
        };
        return Ok((plan, precheck));
    }
    if let Some(short) = plan::estimate::short_of_space(&scratch, &plan, st.new_path()?)? {
        return Err(EngineError::DiskFull(short));
    }
    if plan.total_rows() > beside_above_rows() {
        return Ok((plan, Precheck::Beside(scratch)));
    }
    // Old rows the copy could not get past refuse the migration before
    // any file exists (`plan` lists the same lines).
    refuse(plan::assess::blocking_violations(&scratch, &plan)?)?;
    Ok((plan, Precheck::Done))
}

/// The pre-check's violations as `migrate`'s refusal.
fn refuse(violations: Vec<QuotedText>) -> Result<()> {
    match violations.is_empty() {
        true => Ok(()),
        false => Err(EngineError::PlanBlocked(violations)),
    }
}

/// The rows above which the pre-check runs beside the copy; with the
/// `failpoints` feature, `MIG_PRECHECK_BESIDE_ABOVE_ROWS` replaces it (so
/// the tests reach it with a small database).
fn beside_above_rows() -> u64 {
    if let Some(rows) = crate::engine::failpoint::precheck_beside_above_rows() {
        return rows;
    }
    // Beside the copy it needs a core of its own: on 2 vCPU (the copy's and
    // the service's) it slowed the run it overlapped (1.19x the same
    // repetition's time before, docs/benchmarks.md, seventh run).
    match crate::engine::cores::count() >= BESIDE_MIN_CORES {
        true => BESIDE_ABOVE_ROWS,
        false => u64::MAX,
    }
}

/// The cores a machine needs for the pre-check to run beside the copy: one
/// for the copy, one for the service, one for the pre-check.
const BESIDE_MIN_CORES: usize = 3;

/// A pre-check running beside the copy.
pub(super) struct Running {
    thread: JoinHandle<Result<Vec<QuotedText>>>,
}

impl Precheck {
    /// Starts the pre-check beside the copy, if it is still to run; a
    /// blocking violation interrupts the statement `copy` is running.
    pub(super) fn start(
        self,
        plan: &Plan,
        old: &Path,
        copy: InterruptHandle,
    ) -> Result<Option<Running>> {
        let Precheck::Beside(conn) = self else {
            return Ok(None);
        };
        let plan = plan.clone();
        let thread = std::thread::Builder::new()
            .name("mig-precheck".into())
            .spawn(move || {
                let found = plan::assess::blocking_violations(&conn, &plan)?;
                if !found.is_empty() {
                    copy.interrupt();
                }
                Ok(found)
            })
            .map_err(|source| EngineError::Io {
                context: "starting the constraint pre-check beside the copy of",
                path: old.to_path_buf(),
                source,
            })?;
        Ok(Some(Running { thread }))
    }
}

impl Running {
    /// Waits for the pre-check: the violations that refuse the migration
    /// (empty: it passed).
    pub(super) fn finish(self) -> Result<Vec<QuotedText>> {
        match self.thread.join() {
            Ok(found) => found,
            // A panic is a bug: carried on as one, not turned into a refusal.
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}
