//! `migrate`'s bulk load of the new database: the copy, the deferred index
//! builds and the statistics, in the rollback journal with unsynced commits
//! (`open::begin_bulk_load`, guarded by `unsynced.rs`'s marker), written
//! back to the disk as they go (`write_back.rs`); the one sync that makes
//! them durable before the marker goes ends `migrate`, after its catch-up.
//!
//! Owns the order of those steps and what a failure leaves; knows nothing
//! of recording, of the old database's triggers or of the catch-up after.

use std::path::Path;

use rusqlite::Connection;

use super::copy::{self, Chunking, TableStats};
use super::error::Result;
use super::open;
use super::plan::Plan;
use super::schema::SchemaFile;
use super::statistics;
use super::unsynced::{self, Durability};
use super::write_back::WriteBack;
use super::{Ctx, Event};

/// With every commit synced (no boot id: `unsynced.rs`), up to this many
/// rows a copy runs in WAL mode like replay (each commit with its cursor,
/// `synchronous=NORMAL`) instead of the bulk load's rollback journal: the
/// two journal-mode switches and their syncs cost more than the copy
/// itself (a tenant's database). Inside `migrate`'s unsynced window every
/// copy is a bulk load: the work connection opened in it
/// (`open::work_unsynced`), and its switch back to WAL syncs nothing.
const TINY_COPY_ROWS: u64 = 20_000;

/// Up to this many rows the bulk load runs without the periodic write-back
/// helper: a helper's sync still in flight when the load ends would only
/// delay the final one (measured: the final step 0.042 s with the helper
/// against 0.025 s without, at 100k rows). Above [`TINY_COPY_ROWS`] it
/// syncs once instead, when the copy ends ([`WriteBack::once`]): the
/// copied rows (~9 MB at 100k) reach the disk while the indexes build,
/// where the final sync waited 0.04–0.06 s for them.
const WRITE_BACK_ABOVE_ROWS: u64 = 250_000;

/// What the bulk load writes into the new database.
pub struct Load<'a> {
    pub schema: &'a SchemaFile,
    pub plan: &'a Plan,
    pub chunking: Chunking,
}

/// What the bulk load leaves: the work connection (back in WAL), each
/// table's copy, the indexes built, and the sync of the index pages still
/// running on its helper.
pub struct Loaded {
    pub work: Connection,
    pub tables: Vec<TableStats>,
    pub indexes_built: u32,
    /// Started when the index builds ended (nothing for a tiny copy or
    /// synced commits): finished ([`WriteBack::finish`], which returns a
    /// sync error it met) after the catch-up, before the final sync.
    pub syncing: WriteBack,
}

/// Copies every row, builds the deferred indexes and statistics.
/// `durability` is `migrate`'s unsynced window (opened before the new file
/// was created; its final sync, `unsynced::finish`, comes after the
/// catch-up) or every commit synced.
pub fn run(
    mut work: Connection,
    new: &Path,
    load: &Load<'_>,
    durability: Durability,
    ctx: &mut Ctx<'_>,
) -> Result<Loaded> {
    let tiny = super::failpoint::bulk_load_above_rows().unwrap_or(TINY_COPY_ROWS);
    // Deferred: `open::work_unsynced` already opened it in the bulk load.
    let switch = durability == Durability::EveryCommit && load.plan.total_rows() > tiny;
    // The failpoint scenarios force both on their small databases.
    let write_back_above =
        super::failpoint::bulk_load_above_rows().unwrap_or(WRITE_BACK_ABOVE_ROWS);
    let rows = load.plan.total_rows();
    let mut write_back = if rows > write_back_above {
        WriteBack::start(new, durability)?
    } else {
        WriteBack::none()
    };
    let once_after_copy = (rows > tiny && rows <= write_back_above).then_some((new, durability));
    // Above the tiny copies, the index pages too are synced on a helper
    // as soon as the builds end, while the statistics, the switch back to
    // WAL, the catch-up and the connections' close run: the final sync
    // waits only for what those wrote.
    let mut after_indexes = WriteBack::none();
    let once_after_indexes = (rows > tiny).then_some((new, durability));
    // The copy's caches (the new database's pages and the old one's it
    // reads) fill up to about twice the old database's size (strace at
    // 100k rows: the heap grew 2.0x the old file).
    super::heap::grow_ahead(old_bytes(&work).saturating_mul(2));
    let loaded = steps(
        &mut work,
        load,
        ctx,
        (switch, durability),
        (once_after_copy, &mut write_back),
        (once_after_indexes, &mut after_indexes),
    );
    // A sync error a helper met is reported once by the kernel: returned
    // first, and the marker stays (a reboot discards the file).
    write_back.finish()?;
    match loaded {
        Ok((tables, indexes_built)) => Ok(Loaded {
            work,
            tables,
            indexes_built,
            syncing: after_indexes,
        }),
        Err(e) => {
            after_indexes.finish()?;
            // Failed, not killed: what was written is synced and the
            // marker goes, so a clean restart of the machine does not
            // start the copy again. Should that fail too, the marker
            // stays (the safe side) and the first error is the one
            // that matters.
            drop(work);
            unsynced::finish(new).ok();
            Err(e)
        }
    }
}

/// The attached old database's size in bytes (0 if it cannot be read:
/// only the heap's growth ahead uses it).
fn old_bytes(work: &Connection) -> u64 {
    let pragma = |name: &str| {
        work.pragma_query_value(Some(open::OLD), name, |r| r.get::<_, i64>(0))
            .ok()
            .and_then(|v| u64::try_from(v).ok())
            .unwrap_or(0)
    };
    pragma("page_count").saturating_mul(pragma("page_size"))
}

/// The bulk load's steps on `work`: switched into the rollback journal
/// when `switch` says (already in it when the window is open), back to WAL
/// after. With `once_after_copy`, the new file is synced once on a helper
/// (`write_back`) when the copy ends; with `once_after_indexes`, once more
/// on another (`after_indexes`) when the index builds end.
fn steps(
    work: &mut Connection,
    load: &Load<'_>,
    ctx: &mut Ctx<'_>,
    (switch, durability): (bool, Durability),
    (once_after_copy, write_back): (Option<(&Path, Durability)>, &mut WriteBack),
    (once_after_indexes, after_indexes): (Option<(&Path, Durability)>, &mut WriteBack),
) -> Result<(Vec<TableStats>, u32)> {
    if switch {
        open::begin_bulk_load(work, durability)?;
    }
    let tables = copy::copy_all(work, load.plan, load.chunking, ctx)?;
    if let Some((new, durability)) = once_after_copy {
        *write_back = WriteBack::once(new, durability)?;
    }
    let indexes_built = copy::build_indexes(work, load.schema, load.plan, ctx)?;
    if let Some((new, durability)) = once_after_indexes {
        *after_indexes = WriteBack::once(new, durability)?;
    }
    let stats = statistics::carry_over(work, load.plan)?;
    (ctx.sink)(Event::Step {
        step: "statistics",
        message: stats.message(),
    });
    if switch || durability == Durability::Deferred {
        open::end_bulk_load(work, durability)?;
    }
    Ok((tables, indexes_built))
}
