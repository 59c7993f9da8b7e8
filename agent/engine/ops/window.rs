//! The revert window's steps besides `revert` itself: `finalize` (close
//! the window: the new database stops recording, the old one is retired),
//! the old side's own step after cutover (standby or retired, committed
//! after the new database's cutover and completed by whichever command or
//! agent round comes next if a crash fell between the two), and the
//! agent's background slice of reverse replay.

use std::path::Path;

use rusqlite::Connection;
use std::time::Instant;

use super::catchup::claim_for_slice;
use crate::engine::error::{Result, SqlContext};
use crate::engine::failpoint;
use crate::engine::guard::{self, GuardKind};
use crate::engine::lock;
use crate::engine::open::{self, Busy};
use crate::engine::paths::DatabaseSpec;
use crate::engine::record::MarkerStatus;
use crate::engine::revert::apply::{self, Retry};
use crate::engine::revert::{inverse_of, store, window, Inverse, WindowState};
use crate::engine::state::{locate, MigrationState, OldSide};
use crate::engine::EngineError;

/// Who closed a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosedBy {
    Finalize,
    WindowEnd,
    CleanupOld,
}

impl ClosedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            ClosedBy::Finalize => "finalize",
            ClosedBy::WindowEnd => "window end",
            ClosedBy::CleanupOld => "cleanup-old",
        }
    }
}

#[derive(Debug, Clone)]
pub struct FinalizeReport {
    pub closed_by: ClosedBy,
    /// Reverse log entries dropped with the window (not carried back).
    pub entries_dropped: u64,
    /// Guard triggers now refusing writes on the old database.
    pub guards: u32,
    pub new_path: std::path::PathBuf,
    pub old_path: std::path::PathBuf,
}

/// `mig finalize`: closes the revert window.
pub fn finalize(spec: &DatabaseSpec, busy: Busy, by: ClosedBy) -> Result<FinalizeReport> {
    let st = MigrationState::claim(locate(spec, busy), busy)?;
    st.require_finalizable()?;
    finalize_state(&st, busy, by)
}

/// Closes the window of a state that passed `require_finalizable`.
pub(crate) fn finalize_state(
    st: &MigrationState,
    busy: Busy,
    by: ClosedBy,
) -> Result<FinalizeReport> {
    let (new, old) = (st.new_path()?.to_path_buf(), st.old_path()?.to_path_buf());
    let entries_dropped = st.reverse_pending();
    if st.window_open() {
        let conn = open::work(&new, None, busy)?;
        let tx = lock::begin_immediate(&conn).ctx(|| "closing the revert window".into())?;
        window::end_in(&tx, WindowState::Closed, by.as_str())?;
        tx.commit().ctx(|| "closing the revert window".into())?;
        failpoint::hit("finalize.after-close");
    }
    let guards = settle_old(&old, &new, OldSide::Retire, None, busy)?;
    super::cutover::sweep_after_cutover(&open::work(&new, None, busy)?);
    Ok(FinalizeReport {
        closed_by: by,
        entries_dropped,
        guards,
        new_path: new,
        old_path: old,
    })
}

/// An explicit `--revert-window` (cutover, `drain --cutover`) checked
/// against the window a cutover already opened: a different length is
/// refused before the step runs (`MigrationState::require_asked_window`).
/// Only reads, like `status`.
pub fn require_asked_window(spec: &DatabaseSpec, busy: Busy, secs: u64) -> Result<()> {
    MigrationState::read(spec, busy)?.require_asked_window(secs)
}

/// Completes the old side after cutover if a command was killed before it;
/// returns the guards installed (0: nothing was pending).
pub fn settle(st: &MigrationState, busy: Busy) -> Result<u32> {
    let Some(side) = st.old_side_pending() else {
        return Ok(0);
    };
    let (new, old) = (st.new_path()?, st.old_path()?);
    let inv = match (side, st.identity()) {
        (OldSide::Standby, Some(id)) => Some(inverse_of(id, old)?.1),
        _ => None,
    };
    settle_old(old, new, side, inv.as_ref(), busy)
}

/// Makes the old database a standby (with the window's bookkeeping and
/// revert maps) or retires it, in one transaction; returns the guards.
pub(crate) fn settle_old(
    old: &Path,
    new: &Path,
    side: OldSide,
    inv: Option<&Inverse>,
    busy: Busy,
) -> Result<u32> {
    Ok(OldSettle::prepare(old, new, busy)?
        .commit(side, inv, None)?
        .guards)
}

/// The old side's step after cutover, prepared before the lock it takes:
/// its connection open and its reading done ([`guard::SettlePlan`]), so
/// cutover prepares it before making the new database ready and the step
/// itself holds the old database's write lock for a few statements that
/// do not grow with the schema. With the guards armed by drain the
/// transaction only switches the marker (and creates or drops the revert
/// window's bookkeeping), and it commits without an fsync (`relax_sync`):
/// services still writing to the old database wait on its lock for
/// microseconds, right when the new database became ready.
pub(crate) struct OldSettle {
    conn: rusqlite::Connection,
    plan: guard::SettlePlan,
    new_name: String,
}

/// The old side settled.
pub(crate) struct Settled {
    /// Guard triggers now refusing writes on the old database.
    pub guards: u32,
    /// Just after its commit: where a write waiting on the old database's
    /// lock goes on (to be refused, naming the new database).
    pub committed: Instant,
}

impl OldSettle {
    pub(crate) fn prepare(old: &Path, new: &Path, busy: Busy) -> Result<OldSettle> {
        let conn = open::revert_work(old, new, busy)?;
        open::relax_sync(&conn)?;
        let plan = guard::SettlePlan::read(&conn)?;
        Ok(OldSettle {
            conn,
            plan,
            new_name: new.display().to_string(),
        })
    }

    /// Copies what replay changed since the revert maps were seeded into
    /// them, on this step's connection, before the freeze takes its lock.
    pub(crate) fn refresh_seeding(&self, inv: &Inverse) -> Result<()> {
        crate::engine::revert::seed_delta::refresh(&self.conn, inv)
    }

    /// `drain --cutover`'s freeze, on this step's connection: the marker
    /// switched to draining (committed with an fsync: a power cut must not
    /// lose the refusal once the new database may become ready) and the
    /// write lock kept, for [`Self::commit`] to settle the old side in:
    /// a service's write waits from the freeze to the old side's commit
    /// with no moment between (see `drain::freeze`). Returns what
    /// [`record::set_status_holding`] does.
    pub(crate) fn freeze(&self) -> Result<(Instant, i64, Option<lock::HeldLock<'_>>)> {
        self.conn
            .pragma_update(None, "synchronous", "FULL")
            .ctx(|| "setting synchronous".into())?;
        let (from, to) = (MarkerStatus::Recording, MarkerStatus::Draining);
        crate::engine::record::set_status_holding(&self.conn, from, to)
    }

    /// Commits the old side as `side` (standby needs the window's `inv`),
    /// in `held` (the lock [`Self::freeze`] kept) or a transaction of its
    /// own.
    pub(crate) fn commit(
        &self,
        side: OldSide,
        inv: Option<&Inverse>,
        held: Option<lock::HeldLock<'_>>,
    ) -> Result<Settled> {
        let what = || "making the old database a standby".to_string();
        let guards = match held {
            Some(held) => {
                let guards = self.settle_in(held.conn(), side, inv)?;
                held.commit().ctx(what)?;
                guards
            }
            None => {
                // No automatic checkpoint in this commit: it would run
                // after the lock is free and before `committed`, which
                // ends cutover's refusal figure (1,000 tables: 16 ms over
                // what a writer process felt). A passive one follows.
                let autocheckpoint = lock::pause_autocheckpoint(&self.conn);
                let tx = lock::begin_immediate(&self.conn).ctx(what)?;
                let guards = self.settle_in(&tx, side, inv)?;
                tx.commit().ctx(what)?;
                let committed = Instant::now();
                let _ = self
                    .conn
                    .query_row("PRAGMA main.wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                lock::restore_autocheckpoint(&self.conn, autocheckpoint);
                return Ok(Settled { guards, committed });
            }
        };
        Ok(Settled {
            guards,
            committed: Instant::now(),
        })
    }

    /// The old side's statements, inside the transaction `tx` holds.
    fn settle_in(&self, tx: &Connection, side: OldSide, inv: Option<&Inverse>) -> Result<u32> {
        let checked = self.plan.check_in(tx)?;
        let guards = match (side, inv) {
            (OldSide::Standby, Some(inv)) => {
                store::create_in(tx, inv)?;
                let standby = (GuardKind::Standby, self.new_name.as_str());
                guard::settle_in(tx, &checked, standby, &[MarkerStatus::Draining])?
            }
            (OldSide::Standby, None) => {
                return Err(EngineError::Precondition(
                    "the new database has no identity; it was not created by `mig migrate`".into(),
                ))
            }
            (OldSide::Retire, _) => {
                store::drop_named_in(tx, &checked.store_tables(tx)?)?;
                let retired = (GuardKind::Retired, self.new_name.as_str());
                let from = [MarkerStatus::Draining, MarkerStatus::Standby];
                guard::settle_in(tx, &checked, retired, &from)?
            }
        };
        failpoint::hit("standby.before-commit");
        Ok(guards)
    }
}

/// One background slice of reverse replay.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReverseSlice {
    pub applied: u64,
    pub pending: u64,
    /// The window's time was up and this slice closed it: the reverse log
    /// entries dropped with it (for the agent's log line).
    pub window_closed: Option<u64>,
}

/// What the agent does for a cut-over database each round: completes the
/// old side, closes a window whose time is up, and carries at most
/// `max_entries` reverse log entries back. `None`: nothing to do, or
/// another mig process works on the database.
pub fn window_slice(
    spec: &DatabaseSpec,
    busy: Busy,
    max_entries: u64,
) -> Result<Option<ReverseSlice>> {
    let Some(st) = claim_for_slice(spec, busy)? else {
        return Ok(None);
    };
    if st.broken.is_some() {
        return Ok(None);
    }
    if let Ok(new) = st.new_path() {
        // A sweep cut short (mig killed after its cutover): finish it.
        super::cutover::sweep_after_cutover(&open::work(new, None, busy)?);
    }
    if st.window_ended() {
        let closed = finalize_state(&st, busy, ClosedBy::WindowEnd)?;
        return Ok(Some(ReverseSlice {
            window_closed: Some(closed.entries_dropped),
            ..ReverseSlice::default()
        }));
    }
    if settle(&st, busy)? > 0 {
        return Ok(Some(ReverseSlice::default()));
    }
    if !st.may_reverse_catch_up() {
        return Ok(None);
    }
    let (Some(id), Ok(old), Ok(new)) = (st.identity(), st.old_path(), st.new_path()) else {
        return Ok(None);
    };
    let (_, inv) = inverse_of(id, old)?;
    let mut conn = open::revert_work(old, new, busy)?;
    let b = apply::batch(&mut conn, &inv, max_entries, Retry::Touched)?;
    Ok(Some(ReverseSlice {
        applied: b.applied,
        pending: b.log_max.saturating_sub(b.checkpoint),
        window_closed: None,
    }))
}
