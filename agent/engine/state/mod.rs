//! The one authority for a migration's identity and phase.
//!
//! Everything both files say about a migration (the old database's marker,
//! log and triggers; the new database's status, identity, progress flags,
//! checkpoint and certificate) is read once into a [`MigrationState`], and
//! every rule of the runbook is a named check on it (`checks.rs`), each
//! with its one message, or a decision among actions (`decide.rs`). `status`, every operation and the agent's
//! background work go through it; nothing else compares marker or status
//! values or tests progress flags to decide what may happen.
//!
//! A `MigrationState` exists only for files that are one migration: reading
//! one proves it first (`prove.rs`), so a command given two files that are
//! not refuses before it reads or writes anything else. Files that are one
//! migration but cannot go on (an old database replaced by a backup, say)
//! are [`Broken`]: only `reset` acts on them. One mig process at a time may
//! work on an old database (`owner.rs`).

mod checks;
mod decide;
pub mod files;
pub mod locate;
mod new_drift;
pub mod owner;
mod phase;
mod prove;
mod read;
mod revert;
mod session;

pub use checks::{Certification, DrainStart, Step, Verification, Writes};
pub use decide::{ResetPlan, Resume, Start};
pub use locate::{absolute, locate, locate_for_schema, project_schema, Located};
pub use owner::Claim;
pub use phase::Phase;
pub use prove::{Broken, BrokenKind};
pub use read::{NewFile, OldFile, Progress, TableCopy};
pub use revert::{CloseWindow, OldSide, RevertStart};
use session::Readers;
pub use session::Session;

use std::path::Path;

use crate::engine::error::Result;
use crate::engine::new_side::{Identity, MigrationStatus};
use crate::engine::open::Busy;
use crate::engine::paths::DatabaseSpec;
use crate::engine::plan::quoted::Disclosure;
use crate::engine::record::Marker;

/// What both files of one migration say, proven to be one migration.
#[derive(Debug, Clone)]
pub struct MigrationState {
    /// Where the files are (or were looked for).
    pub located: Located,
    /// The old database, when it exists.
    pub old: Option<OldFile>,
    /// The new database, when it exists.
    pub new: Option<NewFile>,
    /// Why the migration cannot go on, if it cannot.
    pub broken: Option<Broken>,
    /// Why an open revert window cannot carry the new database's writes
    /// back (its reverse log no longer continues the old checkpoint).
    pub window_broken: Option<String>,
    /// This process's claim on the old database, held as long as the state
    /// (see [`MigrationState::claim`]).
    claim: Option<Claim>,
}

impl MigrationState {
    /// Finds the files of `spec` (see [`locate`]), reads them and proves
    /// they are one migration.
    pub fn read(spec: &DatabaseSpec, busy: Busy) -> Result<MigrationState> {
        MigrationState::read_located(locate(spec, busy), busy)
    }

    /// Reads the files at `located` and proves they are one migration.
    pub fn read_located(located: Located, busy: Busy) -> Result<MigrationState> {
        MigrationState::read_keeping(located, busy).map(|(st, _)| st)
    }

    /// [`MigrationState::read_located`], returning the connections it read
    /// through (for [`Session`]).
    fn read_keeping(located: Located, busy: Busy) -> Result<(MigrationState, Readers)> {
        let (new, new_conn) = match located.new.as_deref().filter(|p| p.exists()) {
            Some(p) => read::new_file(p, busy).map(|(f, c)| (Some(f), Some(c)))?,
            None => (None, None),
        };
        let checkpoint = new.as_ref().map_or(0, NewFile::checkpoint);
        let (old, old_conn) = match located.old.as_deref().filter(|p| p.exists()) {
            Some(p) => read::old_file(p, busy, checkpoint).map(|(f, c)| (Some(f), Some(c)))?,
            None => (None, None),
        };
        prove::same_migration(&located, old.as_ref(), new.as_ref())?;
        let broken = prove::broken(&located, old.as_ref(), new.as_ref());
        let window_broken = revert::window_broken(&located, old.as_ref(), new.as_ref(), busy)?;
        let st = MigrationState {
            located,
            old,
            new,
            broken,
            window_broken,
            claim: None,
        };
        Ok((st, Readers::new(old_conn, new_conn)))
    }

    /// Claims the old database for this process (see `owner.rs`), then
    /// reads the state: what every command that writes starts with. The
    /// claim lasts as long as the returned state.
    pub fn claim(located: Located, busy: Busy) -> Result<MigrationState> {
        Session::claim(located, busy).map(|s| s.state)
    }

    pub fn phase(&self) -> Phase {
        phase::derive(self, Disclosure::Values).0
    }

    /// The one thing the operator should do next.
    pub fn next_step(&self) -> String {
        self.next_step_for(Disclosure::Values)
    }

    /// The next step as `d` may read it: a viewer's names no old keys.
    pub fn next_step_for(&self, d: Disclosure) -> String {
        phase::derive(self, d).1
    }

    pub fn marker(&self) -> Option<&Marker> {
        self.old.as_ref().and_then(|o| o.marker.as_ref())
    }

    pub fn identity(&self) -> Option<&Identity> {
        self.new.as_ref().and_then(|n| n.identity.as_ref())
    }

    /// The new database is ready: the new service may serve from it.
    pub fn cut_over(&self) -> bool {
        self.new
            .as_ref()
            .is_some_and(|n| n.status == Some(MigrationStatus::Ready))
    }

    /// Every table and index was copied.
    pub fn copied(&self) -> bool {
        self.new
            .as_ref()
            .and_then(|n| n.progress.as_ref())
            .is_some_and(|p| p.copied)
    }

    /// A drain completed at the current checkpoint (writes refused, every
    /// entry up to it replayed, row counts verified).
    pub fn drained(&self) -> bool {
        self.new
            .as_ref()
            .and_then(|n| n.progress.as_ref())
            .is_some_and(|p| p.drained_at == Some(p.checkpoint))
    }

    /// A full verification of this migration is recorded.
    pub fn certified(&self) -> bool {
        self.new.as_ref().is_some_and(|n| n.certificate.certified())
    }

    /// The old database's path (it may not exist).
    pub fn old_path(&self) -> Result<&Path> {
        self.located.old_path().map(|p| p.as_path())
    }

    /// The new database's path (it may not exist).
    pub fn new_path(&self) -> Result<&Path> {
        self.located.new_path().map(|p| p.as_path())
    }
}
