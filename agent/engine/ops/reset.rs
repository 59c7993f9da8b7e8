//! `reset`: undo a migration that is not cut over: drop the old database's
//! migration tables and triggers, then delete the new database. The one
//! command that acts on a broken migration (see `state::Broken`), never on
//! two files that are not one migration. A reverted new database that holds
//! rows its revert discarded (`revert --discard-conflicts`: no other file
//! holds them) is deleted only when asked by name ([`DiscardedRows`]).

use std::path::Path;

use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::open::{self, Busy};
use crate::engine::paths::DatabaseSpec;
use crate::engine::record::{self, Guard};
use crate::engine::state::{locate, MigrationState};

use super::create_new::remove_db_files;

/// Where `revert --discard-conflicts` lists the rows it left in the new
/// database (written by `ops::revert`).
const DISCARDED: &str = "_mig_revert_discarded";

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

/// What reset does with a new database holding rows a revert discarded.
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
        let held = discarded_rows(new, busy)?;
        if !held.is_empty() {
            match opts.discarded {
                DiscardedRows::Refuse => return Err(refusal(new, &held)),
                DiscardedRows::Delete => plan.actions.push(format!(
                    "delete with it {} row(s) its revert discarded ({}), as --delete-discarded-rows asks",
                    total(&held),
                    per_table(&held)
                )),
            }
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
        record::remove(&mut open::old_rw(old, busy)?, Guard::Any)?;
    }
    if let Some(new) = &plan.delete_new {
        crate::engine::failpoint::hit("reset.before-delete-new");
        remove_db_files(new)?;
    }
    Ok(report)
}

/// The rows a revert discarded, counted per table (none without the table).
fn discarded_rows(new: &Path, busy: Busy) -> Result<Vec<(String, u64)>> {
    let conn = open::new_ro(new, busy)?;
    let context = || format!("reading {DISCARDED} in {}", new.display());
    let exists: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1)",
            [DISCARDED],
            |r| r.get(0),
        )
        .ctx(context)?;
    if !exists {
        return Ok(Vec::new());
    }
    let mut stmt = conn
        .prepare(&format!(
            "SELECT tbl, count(*) FROM {DISCARDED} GROUP BY tbl ORDER BY tbl"
        ))
        .ctx(context)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .ctx(context)?
        .map(|r| r.map(|(t, n)| (t, n.max(0) as u64)))
        .collect::<rusqlite::Result<Vec<_>>>()
        .ctx(context)?;
    Ok(rows)
}

fn total(held: &[(String, u64)]) -> u64 {
    held.iter().map(|(_, n)| n).sum()
}

/// `orders: 2, product: 1`.
fn per_table(held: &[(String, u64)]) -> String {
    let each: Vec<String> = held.iter().map(|(t, n)| format!("{t}: {n}")).collect();
    each.join(", ")
}

/// The one line refusing to delete rows no other file holds.
fn refusal(new: &Path, held: &[(String, u64)]) -> EngineError {
    let p = new.display();
    EngineError::Precondition(format!(
        "refusing to delete {p}: it holds {} row(s) its revert discarded ({}) that no other file holds (each listed in its {DISCARDED} by table and key, the rows themselves still in those tables); keep them first, e.g. `sqlite3 -header -csv {p} 'SELECT * FROM {DISCARDED}'` lists them and `sqlite3 {p} \".backup 'kept.db'\"` copies the whole file, then reset with --delete-discarded-rows to delete them with it",
        total(held),
        per_table(held)
    ))
}
