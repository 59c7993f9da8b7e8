//! The revert maps seeded ahead of the old side's lock. Cutover (with a
//! window) copies each renumbered table's id mapping, and the old keys its
//! new rows carry, into the old database's revert maps in short
//! transactions while writes still flow, noting how far it got in
//! `_mig_revert_seeded` (with the migration's id, and the forward replay
//! checkpoint the natural keys were seeded after). Under the lock the old
//! side's settle copies only what replay added since (`seed_delta.rs`): the
//! id mapping's rows past the note (the mapping only grows, each new key at
//! `max + 1`) and the rows of the keys the log touched past the
//! checkpoint, then drops the note.
//!
//! A map the note does not vouch for (another migration's, or a note
//! missing) is dropped and seeded again, never trusted. `reset` discards an
//! unsettled seeding with the recording.

use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension};

use super::inverse::{Inverse, KeySource, TableInverse, ROW};
use crate::engine::catalog::{lit, names_with_prefix, q};
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::record::{self, has_table, MarkerStatus};
use crate::engine::{failpoint, lock};

/// How far each map was seeded ahead of the lock.
pub const SEEDED: &str = "_mig_revert_seeded";
/// The revert maps' prefix.
const MAP_PREFIX: &str = "_mig_revert_map_";
/// What one seeding transaction aims to hold the old database's write lock
/// for: a service's write waits behind it that long at most (fixed chunks
/// of 5,000 rows could hold it 0.1 s and more on a loaded machine).
const SEED_HOLD: Duration = Duration::from_millis(25);
/// Rows (or log entries) of a run's first transaction, before its pace is
/// known, and the bounds of the later ones.
const FIRST_CHUNK: i64 = 1_000;
const CHUNK_BOUNDS: (i64, i64) = (50, 50_000);

/// How many rows the next seeding transaction copies: sized from how long
/// the last one held the lock, so each holds about [`SEED_HOLD`] (at most
/// twice the last size, at least half of it). The `failpoints` build's
/// `MIG_SEED_CHUNK_ROWS` fixes it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Chunk {
    rows: i64,
    fixed: bool,
}

impl Chunk {
    pub(super) fn new() -> Chunk {
        match failpoint::seed_chunk_rows() {
            Some(rows) => Chunk { rows, fixed: true },
            None => Chunk {
                rows: FIRST_CHUNK,
                fixed: false,
            },
        }
    }

    pub(super) fn rows(self) -> i64 {
        self.rows
    }

    /// After a transaction of `copied` rows that held the lock for `held`.
    pub(super) fn took(&mut self, copied: u64, held: Duration) {
        if self.fixed || copied == 0 {
            return;
        }
        let per_row = held.as_secs_f64() / copied as f64;
        let want = if per_row > 0.0 {
            (SEED_HOLD.as_secs_f64() / per_row) as i64
        } else {
            self.rows * 2
        };
        self.rows = want
            .clamp(self.rows / 2, self.rows * 2)
            .clamp(CHUNK_BOUNDS.0, CHUNK_BOUNDS.1);
    }
}

/// The mapped tables of `inv`.
fn mapped(inv: &Inverse) -> impl Iterator<Item = &TableInverse> {
    inv.tables
        .iter()
        .filter(|t| matches!(t.key, KeySource::Mapped { .. }))
}

/// What seeding says it was doing when it fails: the old database's lock
/// (a service there holding a write transaction open waits it out).
const SEEDING: &str = "seeding the revert maps on the old database before the freeze (a connection there holding a write transaction open blocks it)";

/// Seeds every revert map ahead of the lock, on `conn` (the old database
/// as `main`, the new one attached as `new`), in transactions sized to
/// hold its write lock about [`SEED_HOLD`] each ([`Chunk`]). Only while the old database records or drains (a
/// standby's maps are the window's own). Returns the rows copied.
pub fn ahead(conn: &Connection, inv: &Inverse) -> Result<u64> {
    let what = || SEEDING.to_string();
    let Some(marker) = record::read_marker(conn, "main")? else {
        return Ok(0);
    };
    if !matches!(
        marker.status,
        MarkerStatus::Recording | MarkerStatus::Draining
    ) {
        return Ok(0);
    }
    let started = Instant::now();
    let tx = lock::begin_immediate(conn).ctx(what)?;
    prepare_in(&tx, inv, &marker.migration_id)?;
    tx.commit().ctx(what)?;
    let_writes_through(started);
    let mut copied = 0;
    for t in mapped(inv) {
        copied += ahead_table(conn, t)?;
    }
    Ok(copied)
}

/// Creates the note and the maps, dropping every map the note does not
/// vouch for (another migration's, or none), and records the tables in
/// the marker's catalog listing (they are mig's, not drift).
fn prepare_in(tx: &Connection, inv: &Inverse, migration_id: &str) -> Result<()> {
    let what = || SEEDING.to_string();
    tx.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS main.{SEEDED}(map TEXT PRIMARY KEY, migration_id TEXT NOT NULL, through INTEGER NOT NULL, natural_through INTEGER NOT NULL, log_through INTEGER);\n\
         DELETE FROM main.{SEEDED} WHERE migration_id <> {};",
        lit(migration_id)
    ))
    .ctx(what)?;
    for map in names_with_prefix(tx, "table", MAP_PREFIX)? {
        if !vouched(tx, &map)? {
            tx.execute_batch(&format!("DROP TABLE main.{}", q(&map)))
                .ctx(|| format!("dropping {map} (not seeded by this migration)"))?;
        }
    }
    for t in mapped(inv) {
        super::store::create_map_table(tx, t)?;
        tx.execute(
            &format!("INSERT OR IGNORE INTO main.{SEEDED} VALUES (?1, ?2, 0, 0, NULL)"),
            [t.map_table().as_str(), migration_id],
        )
        .ctx(what)?;
    }
    record::rerecord_tables_like_in(tx, "_mig_revert_")
}

/// Whether the note vouches for `map` (a row of it, of this migration).
fn vouched(tx: &Connection, map: &str) -> Result<bool> {
    tx.query_row(
        &format!("SELECT 1 FROM main.{SEEDED} WHERE map = ?1"),
        [map],
        |_| Ok(()),
    )
    .optional()
    .map(|r| r.is_some())
    .ctx(|| format!("reading how far {map} was seeded"))
}

/// Where the note says `t`'s map got to: (id mapping, natural rowid).
fn through(tx: &Connection, t: &TableInverse) -> Result<Option<(i64, i64)>> {
    if !has_table(tx, "main", SEEDED)? {
        return Ok(None);
    }
    tx.query_row(
        &format!("SELECT through, natural_through FROM main.{SEEDED} WHERE map = ?1"),
        [t.map_table()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .ctx(|| {
        format!(
            "reading how far the revert map of {} was seeded",
            t.old_table
        )
    })
}

/// One table's map, chunk by chunk: the id mapping, then the natural keys
/// (by the new table's rowid; a WITHOUT ROWID new table in one go).
fn ahead_table(conn: &Connection, t: &TableInverse) -> Result<u64> {
    let what = || format!("seeding the revert map of {}", t.old_table);
    let (mut copied, mut chunk) = (0, Chunk::new());
    loop {
        let started = Instant::now();
        let tx = lock::begin_immediate(conn).ctx(what)?;
        let Some((from, natural_from)) = through(&tx, t)? else {
            return Err(EngineError::Precondition(format!(
                "the revert map of {} lost its seeding note while being seeded (another mig process?): run the command again",
                t.old_table
            )));
        };
        let (n, step) = match id_map_step(&tx, t, from, chunk.rows())? {
            Some((n, to)) => (n, ("through", to)),
            None => match natural_step(&tx, t, natural_from, chunk.rows())? {
                Some((n, to)) => (n, ("natural_through", to)),
                None => return Ok(copied),
            },
        };
        tx.execute(
            &format!("UPDATE main.{SEEDED} SET {} = ?2 WHERE map = ?1", step.0),
            rusqlite::params![t.map_table(), step.1],
        )
        .ctx(what)?;
        tx.commit().ctx(what)?;
        chunk.took(n, started.elapsed());
        failpoint::hit("window.seed-after-chunk");
        let_writes_through(started);
        copied += n;
    }
}

/// Leaves the old database's write lock free as long as the transaction
/// begun at `started` held it: a service's write that waited on it (its
/// busy handler sleeping in growing steps) gets through before the next
/// one, and before the freeze that follows the last (without the pause, a
/// write caught waiting was refused by the freeze after the seeding's
/// transactions: 100k rows, 80 ms felt against 9 ms reported).
pub(super) fn let_writes_through(started: Instant) {
    std::thread::sleep(started.elapsed().max(Duration::from_millis(1)));
}

/// Copies up to `rows` id mapping rows past `from`; the rows and the last
/// `_mig_new` copied (`None`: nothing past it).
fn id_map_step(
    tx: &Connection,
    t: &TableInverse,
    from: i64,
    rows: i64,
) -> Result<Option<(u64, i64)>> {
    let Some(src) = id_map_source(tx, t)? else {
        return Ok(None);
    };
    let what = || format!("seeding the revert map of {}", t.old_table);
    let to: Option<i64> = tx
        .query_row(
            &format!("SELECT max(_mig_new) FROM (SELECT _mig_new FROM {src} WHERE _mig_new > ?1 ORDER BY _mig_new LIMIT {rows})"),
            [from],
            |r| r.get(0),
        )
        .ctx(what)?;
    let Some(to) = to else { return Ok(None) };
    let n = copy_id_map_in(tx, t, &format!("_mig_new > {from} AND _mig_new <= {to}"))?;
    Ok(Some((n, to)))
}

/// `new."_mig_map_<table>"` when the new key is that rowid and it exists.
pub(super) fn id_map_source(tx: &Connection, t: &TableInverse) -> Result<Option<String>> {
    let id_map = crate::engine::mapping::table_name(&t.new_table);
    Ok((t.new_key.width() == 1 && has_table(tx, "new", &id_map)?)
        .then(|| format!("new.{}", q(&id_map))))
}

/// Copies the id mapping's rows matching `filter` into `t`'s map.
pub(super) fn copy_id_map_in(tx: &Connection, t: &TableInverse, filter: &str) -> Result<u64> {
    let Some(src) = id_map_source(tx, t)? else {
        return Ok(0);
    };
    let o: Vec<String> = (0..t.old_key.width()).map(|i| format!("o{i}")).collect();
    let ks: Vec<String> = (0..t.old_key.width())
        .map(|i| format!("_mig_k{i}"))
        .collect();
    let n = tx
        .execute(
            &format!(
                "INSERT OR REPLACE INTO main.{}(n0, {}) SELECT _mig_new, {} FROM {src} WHERE {filter}",
                q(&t.map_table()),
                o.join(", "),
                ks.join(", ")
            ),
            [],
        )
        .ctx(|| format!("seeding the revert map of {}", t.old_table))?;
    Ok(n as u64)
}

/// Copies up to `rows` natural keys of new rows past rowid `from` (all of
/// them for a WITHOUT ROWID new table, once: `from` 0 → `i64::MAX`).
fn natural_step(
    tx: &Connection,
    t: &TableInverse,
    from: i64,
    rows: i64,
) -> Result<Option<(u64, i64)>> {
    if !matches!(&t.key, KeySource::Mapped { natural: Some(_) }) || from == i64::MAX {
        return Ok(None);
    }
    let what = || format!("seeding the revert map of {}", t.old_table);
    if from == 0 {
        // Every later change to a new row comes from a log entry past it.
        tx.execute(
            &format!("UPDATE main.{SEEDED} SET log_through = ?2 WHERE map = ?1"),
            rusqlite::params![t.map_table(), super::seed_delta::replay_checkpoint(tx)?],
        )
        .ctx(what)?;
    }
    let rowid = has_rowid(tx, &t.new_table)?;
    if !rowid {
        let n = copy_natural_in(tx, t, "1")?;
        return Ok(Some((n, i64::MAX)));
    }
    let to: Option<i64> = tx
        .query_row(
            &format!("SELECT max(rowid) FROM (SELECT rowid FROM new.{} WHERE rowid > ?1 ORDER BY rowid LIMIT {rows})", q(&t.new_table)),
            [from],
            |r| r.get(0),
        )
        .ctx(what)?;
    let Some(to) = to else { return Ok(None) };
    let n = copy_natural_in(
        tx,
        t,
        &format!("{ROW}.rowid > {from} AND {ROW}.rowid <= {to}"),
    )?;
    Ok(Some((n, to)))
}

fn has_rowid(tx: &Connection, table: &str) -> Result<bool> {
    let sql: String = tx
        .query_row(
            "SELECT coalesce(sql, '') FROM new.sqlite_schema WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )
        .ctx(|| format!("reading the new table {table}"))?;
    Ok(!sql.to_ascii_uppercase().contains("WITHOUT ROWID"))
}

/// Copies the natural keys of the new rows matching `filter` (over the row
/// alias [`ROW`]) into `t`'s map.
pub(super) fn copy_natural_in(tx: &Connection, t: &TableInverse, filter: &str) -> Result<u64> {
    let KeySource::Mapped { natural: Some(ex) } = &t.key else {
        return Ok(0);
    };
    let n: Vec<String> = (0..t.new_key.width()).map(|i| format!("n{i}")).collect();
    let o: Vec<String> = (0..t.old_key.width()).map(|i| format!("o{i}")).collect();
    let nk = t.new_key.exprs(ROW);
    let copied = tx
        .execute(
            &format!(
                "INSERT OR REPLACE INTO main.{}({}, {}) SELECT {}, {} FROM new.{} AS {ROW} WHERE {filter}",
                q(&t.map_table()),
                n.join(", "),
                o.join(", "),
                nk.join(", "),
                ex.join(", "),
                q(&t.new_table),
            ),
            [],
        )
        .ctx(|| format!("seeding the revert map of {}", t.old_table))?;
    Ok(copied as u64)
}

/// Drops the note (the settle's last seeding step).
pub(super) fn drop_note_in(tx: &Connection) -> Result<()> {
    tx.execute_batch(&format!("DROP TABLE IF EXISTS main.{SEEDED}"))
        .ctx(|| "dropping the revert maps' seeding note".into())
}

/// `reset`: drops a seeding that never became a window (the note and the
/// maps), in one transaction that also records the catalog without them.
pub fn discard(conn: &Connection) -> Result<()> {
    let what = || "dropping the revert maps seeded before the freeze".to_string();
    if !has_table(conn, "main", SEEDED)? {
        return Ok(());
    }
    let tx = lock::begin_immediate(conn).ctx(what)?;
    let mut tables = names_with_prefix(&tx, "table", MAP_PREFIX)?;
    tables.push(SEEDED.to_string());
    super::store::drop_named_in(&tx, &tables)?;
    if record::read_marker(&tx, "main")?.is_some() {
        record::rerecord_tables_like_in(&tx, "_mig_revert_")?;
    }
    tx.commit().ctx(what)
}
