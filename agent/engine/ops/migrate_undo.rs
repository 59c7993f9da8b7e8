//! What `migrate` takes back when it stops after writing: a fresh start
//! whose recording's install failed, and a migration the constraint
//! pre-check beside the copy refused. Both leave the files as they were
//! before `migrate` ran, or say that `mig reset` removes what stayed.

use std::path::Path;

use rusqlite::Connection;

use super::create_new::remove_db_files;
use crate::engine::error::{EngineError, Result};
use crate::engine::plan::quoted::QuotedText;
use crate::engine::record;

/// A fresh start whose install failed: what it committed of the
/// recording is removed, then the new file it created, leaving the
/// files as they were. Should the removal fail, both stay (the next
/// `migrate` completes the install; `mig reset` abandons it).
pub(super) fn undo_fresh_start(
    new: &Path,
    old_rw: &mut Connection,
    migration_id: &str,
) -> Result<()> {
    let ours = record::read_marker(old_rw, "main")?.is_some_and(|m| m.migration_id == migration_id);
    if ours
        && record::remove(
            old_rw,
            record::Guard::Unchanged(Some(record::MarkerStatus::Recording)),
        )
        .is_err()
    {
        return Ok(());
    }
    remove_db_files(new)
}

/// The constraint pre-check found rows the copy could not get past
/// while the copy ran: the recording (triggers, log, marker) and the
/// new database's files are removed, and the refusal is the line the
/// pre-check gives before any file exists. Should the removal fail,
/// both stay and the refusal says `mig reset` removes them.
pub(super) fn withdraw(
    new: &Path,
    old_rw: &mut Connection,
    violations: Vec<QuotedText>,
) -> EngineError {
    crate::engine::failpoint::hit("migrate.precheck-refused");
    let removed = record::remove(
        old_rw,
        record::Guard::Unchanged(Some(record::MarkerStatus::Recording)),
    )
    .and_then(|_| remove_db_files(new));
    match removed {
        Ok(()) => EngineError::PlanBlocked(violations),
        Err(e) => EngineError::PlanBlocked(
            violations
                .into_iter()
                .chain([format!("the migration started beside the pre-check could not be removed ({e}): run `mig reset` to remove it").into()])
                .collect(),
        ),
    }
}
