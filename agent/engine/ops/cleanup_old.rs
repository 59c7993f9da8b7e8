//! `cleanup-old`: once the new database is cut over, drop the old
//! database's migration tables and triggers (closing an open revert window
//! first, when told to) and leave the retired guard in their place: the old database
//! keeps refusing writes, naming the new one, until `release-old` (or
//! `cleanup-old --release`) drops the guard too. The triggers go in short
//! paced transactions (`guard::retire`), the tables in a last one; each
//! checks the marker is still what the state read.

use crate::engine::error::{Result, SqlContext};
use crate::engine::guard::retire::{self, Leave};
use crate::engine::guard::{self, GuardKind};
use crate::engine::lock;
use crate::engine::open::{self, Busy};
use crate::engine::paths::DatabaseSpec;
use crate::engine::record::{self, Guard, MarkerStatus, Removed};
use crate::engine::revert::store;
use crate::engine::state::{locate, CloseWindow, MigrationState};

/// Whether the old database keeps refusing writes afterwards.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Release {
    /// Keep the retired guard (the default: retired stays retired).
    #[default]
    Keep,
    /// Drop it too: the old database accepts writes again.
    Release,
}

impl Release {
    /// The command that asked for this cleanup, as refusals name it.
    fn command(self) -> &'static str {
        match self {
            Release::Keep => "cleanup-old",
            Release::Release => "release-old",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CleanupReport {
    pub removed: Removed,
    /// Guard triggers left refusing writes (0 after a release).
    pub guards: u32,
    /// Guard triggers dropped by a release.
    pub guards_released: u32,
    /// A revert window this cleanup closed.
    pub closed_window: bool,
}

/// [`cleanup_old_with`], refusing to close an open revert window.
pub fn cleanup_old(spec: &DatabaseSpec, busy: Busy, release: Release) -> Result<CleanupReport> {
    cleanup_old_with(spec, busy, release, CloseWindow::Refuse)
}

/// Whether [`cleanup_old_with`] would run now: the same refusals, read
/// without a lock and without changing anything (`release-old` asks its
/// question only after this).
pub fn cleanup_old_check(
    spec: &DatabaseSpec,
    busy: Busy,
    release: Release,
    window: CloseWindow,
) -> Result<()> {
    let st = MigrationState::read(spec, busy)?;
    ready(&st, release, window).map(drop)
}

/// What the state allows a cleanup now: close the open revert window
/// first, or go ahead expecting this marker status.
enum Ready {
    CloseWindowFirst,
    Now(Option<MarkerStatus>),
}

/// The cleanup's refusals, in the one order both [`cleanup_old_check`] and
/// [`cleanup_old_with`] give them: the window (closable only when told),
/// then a window's pair that cannot be finalized, then the cleanup's own.
fn ready(st: &MigrationState, release: Release, window: CloseWindow) -> Result<Ready> {
    st.require_window_closable(release.command(), window)?;
    if st.window_open() {
        // Closing the window first leaves a cut-over pair to clean.
        st.require_finalizable()?;
        return Ok(Ready::CloseWindowFirst);
    }
    cleanable(st, release).map(Ready::Now)
}

/// A cut-over pair's own refusal (nothing to clean, not cut over, ...);
/// the marker status the cleanup expects to find unchanged.
fn cleanable(st: &MigrationState, release: Release) -> Result<Option<MarkerStatus>> {
    match release {
        Release::Release => {
            st.require_releasable()?;
            Ok(st.marker().map(|m| m.status))
        }
        Release::Keep => st.require_cleanable(),
    }
}

/// The cleanup; an open revert window is closed first only when `window`
/// says so (otherwise refused, nothing changed).
pub fn cleanup_old_with(
    spec: &DatabaseSpec,
    busy: Busy,
    release: Release,
    window: CloseWindow,
) -> Result<CleanupReport> {
    let mut st = MigrationState::claim(locate(spec, busy), busy)?;
    let mut report = CleanupReport::default();
    let expected = match ready(&st, release, window)? {
        Ready::Now(expected) => expected,
        Ready::CloseWindowFirst => {
            super::window::finalize_state(&st, busy, super::window::ClosedBy::CleanupOld)?;
            report.closed_window = true;
            st = MigrationState::claim(locate(spec, busy), busy)?;
            cleanable(&st, release)?
        }
    };
    // A sweep of the new database's inert guards cut short: finish it.
    super::cutover::sweep_after_cutover(&open::work(st.new_path()?, None, busy)?);
    let new_name = st.new_path()?.display().to_string();
    let conn = open::old_rw(st.old_path()?, busy)?;
    let leave = match release {
        Release::Keep => Leave::Retired,
        Release::Release => Leave::Nothing,
    };
    // The triggers, in short transactions: the lock is free between them.
    let paced = retire::retire_paced(&conn, (leave, &new_name), expected)?;
    let tx = lock::begin_immediate(&conn).ctx(|| "locking the old database".into())?;
    if guard::schema_version_of(&tx)? == paced.version {
        // Only the marker, the log and the bookkeeping are left.
        report.removed = record::remove_tables_in(&tx, Guard::Unchanged(expected))?;
        report.removed.triggers = paced.recording_dropped;
        report.guards_released = paced.guards_dropped;
        if release == Release::Keep {
            report.guards = guard::count_unconditional(&tx)?;
        }
    } else {
        // The schema changed since the paced run: all of it, here.
        all_in(&tx, &mut report, (release, &new_name), expected)?;
    }
    store::drop_in(&tx)?;
    crate::engine::failpoint::hit("remove.before-commit");
    tx.commit().ctx(|| "committing the cleanup".into())?;
    crate::engine::failpoint::hit("remove.after-commit");
    Ok(report)
}

/// The whole cleanup inside one transaction (a schema changed under the
/// paced run): every mig trigger and table dropped, the retired guards
/// installed again unless released.
fn all_in(
    tx: &rusqlite::Connection,
    report: &mut CleanupReport,
    (release, new_name): (Release, &str),
    expected: Option<crate::engine::record::MarkerStatus>,
) -> Result<()> {
    let guards_before = guard::count_guards(tx)?;
    report.removed = record::remove_in(tx, Guard::Unchanged(expected))?;
    // remove_in drops every trigger of mig's, the guard too: the guard is
    // counted as such (a release said "dropped recording triggers: 6").
    report.removed.triggers = report.removed.triggers.saturating_sub(guards_before);
    match release {
        Release::Keep => report.guards = guard::install_in(tx, GuardKind::Retired, new_name)?,
        Release::Release => report.guards_released = guards_before,
    }
    Ok(())
}
