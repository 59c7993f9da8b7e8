//! `reset`: undo a migration that is not cut over: drop the old database's
//! migration tables and triggers, then delete the new database. The one
//! command that acts on a broken migration (see `state::Broken`), never on
//! two files that are not one migration. A reverted new database that holds
//! what no other file does (rows its revert discarded, rows of new tables,
//! values of new-only columns: `revert::left_behind`) is deleted only when
//! asked by name ([`DiscardedRows`]). A new database Litestream replicates
//! gets a note: its replica outlives the file (see [`litestream_note`]).

use std::path::Path;

use crate::engine::error::{EngineError, Result};
use crate::engine::open::{self, Busy};
use crate::engine::paths::DatabaseSpec;
use crate::engine::record::{self, Guard};
use crate::engine::revert::left_behind::{self, LeftBehind, DISCARDED};
use crate::engine::revert::{inverse_of, Inverse, WindowState};
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

/// What reset does with a new database holding what no other file does
/// (rows a revert discarded or left behind, values of new-only columns).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DiscardedRows {
    /// Refuse, naming them and how to keep them (nothing changes).
    #[default]
    Refuse,
    /// Delete them with the file (`--delete-discarded-rows`).
    Delete,
}

#[derive(Debug, Clone, Copy)]
pub struct ResetOptions {
    pub busy: Busy,
    pub mode: ResetMode,
    pub discarded: DiscardedRows,
}

/// Reset with the default rule: discarded rows refuse the deletion.
pub fn reset(spec: &DatabaseSpec, busy: Busy, mode: ResetMode) -> Result<ResetReport> {
    let opts = ResetOptions {
        busy,
        mode,
        discarded: DiscardedRows::Refuse,
    };
    reset_with(spec, opts)
}

pub fn reset_with(spec: &DatabaseSpec, opts: ResetOptions) -> Result<ResetReport> {
    let (busy, mode) = (opts.busy, opts.mode);
    // A dry run only reads, like `status`: it needs no claim.
    let st = match mode {
        ResetMode::Apply => MigrationState::claim(locate(spec, busy), busy)?,
        ResetMode::DryRun => MigrationState::read(spec, busy)?,
    };
    let mut plan = st.reset_plan()?;
    if let Some(new) = &plan.delete_new {
        let held = left_behind(&st, new, busy)?;
        if !held.is_empty() {
            match opts.discarded {
                DiscardedRows::Refuse => return Err(refusal(new, &held)),
                DiscardedRows::Delete => plan.actions.push(format!(
                    "delete with it {}, as --delete-discarded-rows asks",
                    held.describe()
                )),
            }
        }
    }
    if let Some(new) = &plan.delete_new {
        if let Some(note) = litestream_note(new, busy)? {
            plan.actions.push(note);
        }
    }
    let report = ResetReport {
        dry_run: mode == ResetMode::DryRun,
        actions: plan.actions,
    };
    if mode == ResetMode::DryRun {
        return Ok(report);
    }
    if let Some(old) = &plan.drop_recording {
        let mut conn = open::old_rw(old, busy)?;
        crate::engine::revert::seed::discard(&conn)?;
        record::remove(&mut conn, Guard::Any)?;
    }
    if let Some(new) = &plan.delete_new {
        crate::engine::failpoint::hit("reset.before-delete-new");
        remove_db_files(new)?;
    }
    Ok(report)
}

/// What only the new database holds: rows a revert discarded; after a
/// revert, also rows of new tables and values of new-only columns.
fn left_behind(st: &MigrationState, new: &Path, busy: Busy) -> Result<LeftBehind> {
    let conn = open::new_ro(new, busy)?;
    let reverted = st
        .window()
        .is_some_and(|w| w.state == WindowState::Reverted);
    let inverse = match (reverted, st.identity(), st.old_path()) {
        // The inverse's read-only attach leaves the old file's directory
        // as it found it (`open::attach_old`), so a refusal changes nothing.
        (true, Some(id), Ok(old)) => inverse_of(id, old).map(|(_, inv)| inv),
        _ => Ok(Inverse::default()),
    };
    left_behind::read(&conn, new, inverse)
}

/// Where Litestream replicates the new database (its `_litestream_seq`),
/// what deleting the file leaves to the operator: Litestream's replica and
/// its `.NAME-litestream` folder still describe the deleted file, and a
/// `litestream replicate` still running fails on the file the next
/// `mig migrate` makes at the same path (`read database page N: EOF`), so
/// the new database would go unreplicated while the replica restores the
/// deleted one (`tests/cli/litestream.rs`).
fn litestream_note(new: &Path, busy: Busy) -> Result<Option<String>> {
    let conn = open::new_ro(new, busy)?;
    if !record::has_table(&conn, "main", crate::engine::owners::LITESTREAM_TABLE)? {
        return Ok(None);
    }
    let name = new.file_name().unwrap_or_default().to_string_lossy();
    let meta = new.with_file_name(format!(".{name}-litestream"));
    Ok(Some(format!(
        "note: Litestream replicates {p}: its replica and {m} keep the deleted file, and a running `litestream replicate` fails on the file the next `mig migrate` makes here; stop Litestream for {p}, delete that replica and {m}, then start it again once the new file exists",
        p = new.display(),
        m = meta.display()
    )))
}

/// The one line refusing to delete what no other file holds.
fn refusal(new: &Path, held: &LeftBehind) -> EngineError {
    let p = new.display();
    let list = if held.discarded.is_empty() {
        String::new()
    } else {
        format!("`sqlite3 -header -csv {p} 'SELECT * FROM {DISCARDED}'` lists the discarded rows (by table and key, the rows themselves still in those tables) and ")
    };
    EngineError::Precondition(format!(
        "refusing to delete {p}: it holds {} that no other file holds; keep them first, e.g. {list}`sqlite3 {p} \".backup 'kept.db'\"` copies the whole file, then reset with --delete-discarded-rows to delete them with it",
        held.describe()
    ))
}
