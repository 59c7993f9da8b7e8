//! `reset`: undo a migration that is not cut over: drop the old database's
//! migration tables and triggers, then delete the new database. The one
//! command that acts on a broken migration (see `state::Broken`), never on
//! two files that are not one migration.

use crate::engine::error::Result;
use crate::engine::open::{self, Busy};
use crate::engine::paths::DatabaseSpec;
use crate::engine::record::{self, Guard};
use crate::engine::state::{locate, MigrationState};

use super::create_new::remove_db_files;

#[derive(Debug, Clone, Default)]
pub struct ResetReport {
    pub dry_run: bool,
    pub actions: Vec<String>,
}

/// Whether reset acts or only says what it would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetMode {
    Apply,
    DryRun,
}

pub fn reset(spec: &DatabaseSpec, busy: Busy, mode: ResetMode) -> Result<ResetReport> {
    // A dry run only reads, like `status`: it needs no claim.
    let st = match mode {
        ResetMode::Apply => MigrationState::claim(locate(spec, busy), busy)?,
        ResetMode::DryRun => MigrationState::read(spec, busy)?,
    };
    let plan = st.reset_plan()?;
    let report = ResetReport {
        dry_run: mode == ResetMode::DryRun,
        actions: plan.actions,
    };
    if mode == ResetMode::DryRun {
        return Ok(report);
    }
    if let Some(old) = &plan.drop_recording {
        record::remove(&mut open::old_rw(old, busy)?, Guard::Any)?;
    }
    if let Some(new) = &plan.delete_new {
        crate::engine::failpoint::hit("reset.before-delete-new");
        remove_db_files(new)?;
    }
    Ok(report)
}
