//! Revert's verify while the new service writes: old = inverse(new)
//! compared chunk by chunk, and before each of verify's transactions the
//! paced catch-up when many writes are pending (`pace.rs`): a chunk's own
//! replay stays short, and a service writing faster than revert carries
//! back is refused between chunks, naming both rates, instead of each
//! chunk replaying an ever longer backlog.

use std::cell::RefCell;

use super::{pace, step, RevertSummary};
use crate::engine::error::{Result, SqlContext};
use crate::engine::lock;
use crate::engine::revert::store;
use crate::engine::revert::{verify, Inverse};
use crate::engine::verify::{Chunk, Progress};
use crate::engine::Ctx;

/// Verifies old = inverse(new), caught up and the new WAL bounded before
/// each of its transactions, and records the checkpoint it certified.
pub(super) fn verify_now(
    (work, wal): (&mut rusqlite::Connection, &pace::NewSide<'_>),
    inv: &Inverse,
    summary: &mut RevertSummary,
    ctx: &mut Ctx<'_>,
) -> Result<()> {
    step(
        ctx,
        "verify",
        "comparing the old database with the inverse of the new one",
    );
    // Progress as the forward verify's: one event per chunk (plain output
    // shows each table once, when finished), against the new rows counted now.
    let tables = inv
        .tables
        .iter()
        .map(|t| (t.old_table.as_str(), t.new_table.as_str()));
    let mut progress = Progress::count_in(work, "new", tables)?;
    // Both callbacks report events; verify calls them one at a time.
    let ctx = RefCell::new(ctx);
    let mut each = |table: &str, rows: u64, chunk: Chunk| {
        progress.report(&mut ctx.borrow_mut(), table, rows, chunk)
    };
    let mut caught_up = 0;
    let mut between = |work: &mut rusqlite::Connection| {
        pace::catch_up_if_behind((work, wal), inv, &mut caught_up, &mut ctx.borrow_mut())
    };
    let v = verify::verify_all(work, inv, &mut each, &mut between)?;
    summary.verified_rows = v.rows;
    summary.verified_tables = v.tables;
    summary.entries_replayed += v.entries_replayed + caught_up;
    let tx = lock::begin_immediate(work).ctx(|| "recording the reverse verification".into())?;
    let (cp, _) = store::checkpoint(&tx, "main")?.unwrap_or((0, None));
    store::set_verified(&tx, Some(cp))?;
    tx.commit()
        .ctx(|| "recording the reverse verification".into())
}
