//! The id mapping removed after the cutover, while the new service writes:
//! emptied [`ROWS_PER_STEP`] rows a statement, then dropped, in paced
//! transactions (`paced.rs`) of [`REMOVE_HOLD`] at most, as many
//! statements each as their measured time fits. Dropping a mapping of a
//! million rows inside the cutover's transaction freed every page under
//! the lock: the service's writes waited 56–160 ms (felt 111–192 ms) for
//! it. Transactions of 25 ms (two statements of 5,000 rows, 12 ms each)
//! after the commit made a service switching over at once wait 19–24 ms
//! for its first write on the new database.
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

/// Mapping rows deleted per statement: 0.4 ms of the lock at 1M rows
/// (1.6 µs a row; 5,000 rows took 12 ms, their pages out of the cache).
const ROWS_PER_STEP: u64 = 250;

/// Statements planned at a time, so the plan of a mapping of ten million
/// rows is not held at once (one paced run each).
const STEPS_PER_RUN: u64 = 400;

/// What one removal transaction may hold the new database's write lock for
/// at most (at least one statement), or half a schema reload when that is
/// more (see `paced.rs`): a write that finds it taken waits about this
/// and its busy handler's 1 and 2 ms tries, and the lock is then left free
/// past them ([`paced::free_for`]).
pub const REMOVE_HOLD: Duration = Duration::from_millis(2);

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
    for (i, name) in names.iter().enumerate() {
        remove_one(conn, name, i + 1 == names.len())?;
    }
    Ok(Left::Nothing)
}

/// Empties mapping `name` ([`STEPS_PER_RUN`] statements a run at most) and
/// drops it; `last`: no other mapping follows (the lock is left free after
/// every run but the last, as between two transactions).
fn remove_one(conn: &Connection, name: &str, last: bool) -> Result<()> {
    let (mut deletes, delete, drop_it) = plan(conn, name)?;
    loop {
        let n = deletes.min(STEPS_PER_RUN);
        deletes -= n;
        let mut steps = vec![delete.clone(); n as usize];
        if deletes == 0 {
            steps.push(drop_it.clone());
        }
        let pacing = paced::Pacing {
            hold: REMOVE_HOLD,
            what: "removing the id mapping after the cutover",
            failpoints: (None, Some("cutover.after-mapping-batch")),
            last: if deletes == 0 && last {
                paced::Last::Return
            } else {
                paced::Last::Pause
            },
        };
        paced::run(conn, &steps, &pacing, &mut Removing)?;
        if deletes == 0 {
            return Ok(());
        }
    }
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

/// Mapping `name`'s removal: how many deletes of [`ROWS_PER_STEP`] rows
/// (one for each such share of its rows, counted now: nothing adds to a
/// mapping once it is removable), the delete, and the drop, which finds
/// it empty (or with what a count missed).
fn plan(conn: &Connection, name: &str) -> Result<(u64, Step, Step)> {
    let table = format!("main.{}", q(name));
    let step = |sql: String, what: &str| Step {
        sql,
        trigger: name.to_string(),
        what: format!("{what} {name}"),
    };
    // The legacy `_id_mapping` may not be a rowid table: one drop.
    let deletes = if name.starts_with(super::PREFIX) {
        let rows = new_side::count_rows(conn, "main", name)?.unwrap_or(0);
        rows.div_ceil(step_rows())
    } else {
        0
    };
    let delete = format!(
        "DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} ORDER BY rowid LIMIT {})",
        step_rows()
    );
    Ok((
        deletes,
        step(delete, "emptying"),
        step(format!("DROP TABLE IF EXISTS {table}"), "dropping"),
    ))
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
