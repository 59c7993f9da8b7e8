//! The id mapping removed after the cutover, while the new service writes:
//! emptied [`ROWS_PER_STEP`] rows a statement, then dropped, in paced
//! transactions (`paced.rs`), each holding the new database's write lock
//! for a budget at most. Dropping a mapping of a million rows inside the
//! cutover's transaction freed every page under the lock: the service's
//! writes waited 56–160 ms (felt 111–192 ms) for it.
//!
//! Only once nothing needs the mapping: the new database ready (or
//! reverted) and no revert window open or reverting (the window's
//! reverse replay translates through it). A run cut short (mig killed)
//! leaves whole transactions: the mapping smaller, or some mappings gone;
//! `mig status` shows what is left, and the next `mig cutover`,
//! `cleanup-old` or window round removes the rest.

use std::time::Duration;

use rusqlite::Connection;

use crate::engine::catalog::q;
use crate::engine::error::{EngineError, Result};
use crate::engine::new_side::{self, MigrationStatus};
use crate::engine::paced::{self, Step};
use crate::engine::revert::{window, WindowState};

/// Mapping rows deleted per statement (a few ms of the lock each).
const ROWS_PER_STEP: u64 = 5_000;

/// What one removal transaction may hold the new database's write lock for
/// at most (at least one statement), or half a schema reload when that is
/// more (see `paced.rs`).
pub const REMOVE_HOLD: Duration = Duration::from_millis(25);

/// What is left of the id mapping after [`remove_paced`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Left {
    /// No mapping table any more (none there, or all removed).
    Nothing,
    /// Kept: the migration or a revert window still needs it.
    Needed,
}

/// Removes every id mapping of the new database `conn` (as `main`) in
/// paced transactions, when nothing needs it any more.
pub fn remove_paced(conn: &Connection) -> Result<Left> {
    let names = super::tables(conn)?;
    if names.is_empty() {
        return Ok(Left::Nothing);
    }
    if !removable(conn)? {
        return Ok(Left::Needed);
    }
    let steps = plan(conn, &names)?;
    let pacing = paced::Pacing {
        hold: REMOVE_HOLD,
        what: "removing the id mapping after the cutover",
        failpoints: (None, Some("cutover.after-mapping-batch")),
        last: paced::Last::Return,
    };
    paced::run(conn, &steps, &pacing, &mut Removing)?;
    Ok(Left::Nothing)
}

/// Whether nothing needs the mapping: the new database ready or reverted,
/// and no revert window open or reverting.
fn removable(conn: &Connection) -> Result<bool> {
    let status = new_side::read_status(conn, "main")?;
    if !matches!(
        status,
        Some(MigrationStatus::Ready | MigrationStatus::Reverted)
    ) {
        return Ok(false);
    }
    Ok(window::read(conn, "main")?
        .is_none_or(|w| matches!(w.state, WindowState::Closed | WindowState::Reverted)))
}

/// Per mapping: a delete of [`ROWS_PER_STEP`] rows for each such share of
/// its rows (counted now: nothing adds to a mapping once it is removable),
/// then its drop, which finds it empty (or with what a count missed).
fn plan(conn: &Connection, names: &[String]) -> Result<Vec<Step>> {
    let mut steps = Vec::new();
    for name in names {
        let table = format!("main.{}", q(name));
        // The legacy `_id_mapping` may not be a rowid table: one drop.
        if name.starts_with(super::PREFIX) {
            let rows = new_side::count_rows(conn, "main", name)?.unwrap_or(0);
            let delete = format!(
                "DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} ORDER BY rowid LIMIT {})",
                step_rows()
            );
            for _ in 0..rows.div_ceil(step_rows()) {
                steps.push(Step {
                    sql: delete.clone(),
                    trigger: name.clone(),
                    what: format!("emptying {name}"),
                });
            }
        }
        steps.push(Step {
            sql: format!("DROP TABLE IF EXISTS {table}"),
            trigger: name.clone(),
            what: format!("dropping {name}"),
        });
    }
    Ok(steps)
}

/// [`ROWS_PER_STEP`], or the crash suite's smaller step.
fn step_rows() -> u64 {
    crate::engine::failpoint::map_remove_rows()
        .unwrap_or(ROWS_PER_STEP)
        .max(1)
}

/// Each removal transaction first checks that nothing needs the mapping
/// again (another mig could have changed the new database in between).
struct Removing;

impl paced::Batch for Removing {
    fn before(&mut self, tx: &Connection) -> Result<()> {
        if removable(tx)? {
            return Ok(());
        }
        Err(EngineError::Precondition(
            "the new database changed while its id mapping was being removed; another mig is working on it: check `mig status`".into(),
        ))
    }

    fn after(&mut self, _tx: &Connection, _changed: &[String]) -> Result<()> {
        Ok(())
    }
}
