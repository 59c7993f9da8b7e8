//! The bulk copy: every old row into the new database, table by table in
//! plan order, in chunks of consecutive keys.
//!
//! Each chunk is one `INSERT … SELECT` run by SQLite itself, in one write
//! transaction on the new database that also records the chunk's cursor in
//! `_migration_progress`; the old database is read through a read-only attach
//! whose snapshot lasts only that transaction. A killed copy resumes at the
//! last committed cursor. Chunk size adapts to a target chunk duration.

use std::time::{Duration, Instant};

use rusqlite::types::Value;
use rusqlite::Connection;

use super::chunk_sql::ChunkSql;
use super::error::{Result, SqlContext};
use super::lock;
use super::new_side::{self, Item};
use super::plan::{Plan, TablePlan};
use super::replay;
use super::throttle::Probe;
use super::{Ctx, Event};

/// How long one chunk should take: long enough that commits are cheap,
/// short enough that the old database's WAL can checkpoint past us often.
const TARGET_CHUNK: Duration = Duration::from_millis(200);
const MIN_CHUNK: u64 = 100;
const MAX_CHUNK: u64 = 1_000_000;
const FIRST_CHUNK: u64 = 2_000;
/// A table after the first starts at the size the last one reached divided
/// by this: rows four times as wide as the last table's still fit the
/// target, and the ramp from `FIRST_CHUNK` (each chunk a commit, a full sync
/// where the bulk load cannot defer them) is not paid again per table.
const CARRY_DIVISOR: u64 = 4;
/// How much one chunk may grow over the last: a chunk that took an eighth
/// of the target or less was mostly its commit's fixed cost.
const MAX_GROWTH: f64 = 8.0;
/// The backlog a copy leaves for the end of migrate: beyond it, each chunk
/// is followed by one replay batch.
const KEEP_UP_ABOVE: u64 = 1_000;
/// The longest a throttle probe waits for the old database's write lock.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// How many rows one copy chunk holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Chunking {
    /// Start at a few thousand rows and scale so a chunk takes about
    /// `TARGET_CHUNK`: what production wants.
    #[default]
    Adaptive,
    /// Always this many rows (at least 1): for throttling a copy by hand,
    /// and for tests that need many chunk boundaries on a small table.
    Fixed(u64),
}

impl Chunking {
    fn first(self) -> u64 {
        match self {
            Chunking::Adaptive => FIRST_CHUNK,
            Chunking::Fixed(n) => n.max(1),
        }
    }

    /// The first chunk of a table after one whose chunks reached `learned`.
    fn carried(self, learned: u64) -> u64 {
        match self {
            Chunking::Adaptive => (learned / CARRY_DIVISOR).max(FIRST_CHUNK),
            Chunking::Fixed(n) => n.max(1),
        }
    }

    fn next(self, chunk: u64, took: Duration) -> u64 {
        match self {
            Chunking::Adaptive => next_chunk(chunk, took),
            Chunking::Fixed(n) => n.max(1),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct TableStats {
    pub table: String,
    /// Rows of the table in the new database once copied.
    pub rows: u64,
    /// Of those, rows an earlier (interrupted) run had copied.
    pub already: u64,
    pub seconds: f64,
}

/// Copies every table of `plan` that is not done yet.
pub fn copy_all(
    conn: &mut Connection,
    plan: &Plan,
    chunking: Chunking,
    ctx: &mut Ctx<'_>,
) -> Result<Vec<TableStats>> {
    let tables: Vec<&TablePlan> = plan.tables.iter().filter(|t| t.source.is_some()).collect();
    let mut probe = Probe::attached(conn, PROBE_TIMEOUT)?;
    let mut replays = replay::Batches::default();
    let rows_total: u64 = tables.iter().map(|t| t.rows).sum();
    let mut rows_before: u64 = 0;
    let mut stats = Vec::new();
    let mut learned = chunking.first();
    for (i, t) in tables.iter().enumerate() {
        let started = Instant::now();
        let already = new_side::get(conn, &item(t), plan.key_width)?.map_or(0, |s| s.n);
        let pacing = (&mut probe, &mut replays, &mut learned);
        let copied = copy_table(conn, plan, t, chunking, ctx, pacing, |done, rate, chunk| {
            Event::Copy {
                table: t.name.clone(),
                table_rows_done: done,
                table_rows_total: t.rows.max(done),
                rows_done: rows_before + done,
                rows_total: rows_total.max(rows_before + done),
                // The table's last chunk counts it done: the last event of
                // the copy says n/n tables, not n-1/n at 100%.
                tables_done: i as u32 + u32::from(chunk == Chunk::Last),
                tables_total: tables.len() as u32,
                rows_per_sec: rate,
            }
        })?;
        rows_before += copied;
        crate::engine::failpoint::hit("copy.between-tables");
        stats.push(TableStats {
            table: t.name.clone(),
            rows: copied,
            already,
            seconds: started.elapsed().as_secs_f64(),
        });
    }
    Ok(stats)
}

/// Whether a committed chunk was its table's last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    More,
    Last,
}

fn item(t: &TablePlan) -> String {
    format!("copy:{}", t.name)
}

/// Copies one table; returns its row count in the new database's progress.
fn copy_table(
    conn: &mut Connection,
    plan: &Plan,
    t: &TablePlan,
    chunking: Chunking,
    ctx: &mut Ctx<'_>,
    (probe, replays, learned): (&mut Probe, &mut replay::Batches, &mut u64),
    progress: impl Fn(u64, f64, Chunk) -> Event,
) -> Result<u64> {
    let (Some(src), Some(key)) = (&t.source, &t.old_key) else {
        return Ok(0);
    };
    let width = plan.key_width;
    let mut chunk = chunking.carried(*learned);
    let started = Instant::now();
    let mut copied_here: u64 = 0;
    let sql = ChunkSql::new(t, src, key);
    loop {
        ctx.control.check()?;
        let began = Instant::now();
        let tx =
            lock::begin_immediate(conn).ctx(|| format!("starting a copy chunk of {}", t.name))?;
        let state = new_side::get(&tx, &item(t), width)?.unwrap_or_default();
        if state.done {
            return Ok(state.n);
        }
        let lo: Option<Vec<Value>> = if state.cursor.iter().all(|v| *v == Value::Null) {
            None
        } else {
            Some(state.cursor[..key.width()].to_vec())
        };
        let size = ctx.control.throttle().chunk_limit(chunk);
        let (n, hi) = sql.copy_chunk(&tx, t, lo.as_deref(), size)?;
        let mut cursor: Vec<Value> = hi.clone().unwrap_or_else(|| lo.clone().unwrap_or_default());
        cursor.resize(width, Value::Null);
        new_side::put(
            &tx,
            &item(t),
            &Item {
                done: hi.is_none(),
                n: state.n + n,
                cursor,
            },
        )?;
        tx.commit()
            .ctx(|| format!("committing a copy chunk of {}", t.name))?;
        crate::engine::failpoint::hit("copy.after-chunk");
        copied_here += n;
        let rate = copied_here as f64 / started.elapsed().as_secs_f64().max(1e-6);
        let this = if hi.is_none() {
            Chunk::Last
        } else {
            Chunk::More
        };
        (ctx.sink)(progress(state.n + n, rate, this));
        let took = began.elapsed();
        if this == Chunk::Last {
            // The cap counts the last chunk too, or the next table starts early.
            ctx.control.pace_cap(n, took);
            return Ok(state.n + n);
        }
        ctx.control.pace(probe, n, took);
        chunk = chunking.next(size, took);
        *learned = chunk;
        // At most one replay batch per chunk: the copy keeps the larger
        // share of the time, the backlog stays a few batches long.
        replay::keep_up(conn, plan, KEEP_UP_ABOVE, replays)?;
    }
}

fn next_chunk(chunk: u64, took: Duration) -> u64 {
    let ratio = TARGET_CHUNK.as_secs_f64() / took.as_secs_f64().max(1e-4);
    let scaled = (chunk as f64 * ratio.clamp(0.5, MAX_GROWTH)) as u64;
    scaled.clamp(MIN_CHUNK, MAX_CHUNK)
}

/// Builds the indexes the schema declares with CREATE INDEX, after the bulk
/// load (one transaction each; a killed build resumes with the missing ones).
///
/// Each index is built in the transaction that first replays every pending
/// log entry (the backlog in short batches before it, the tail inside it): rows copied before the writer changed them may be stale, and a
/// stale row can collide with its successor in a UNIQUE index (an email that
/// moved from a copied row to one copied later). Replayed up to the
/// transaction's snapshot, the new tables equal the mapping of the old ones,
/// so only a duplicate the old data really holds makes the build fail.
pub fn build_indexes(
    conn: &mut Connection,
    schema: &super::schema::SchemaFile,
    plan: &Plan,
    ctx: &mut Ctx<'_>,
) -> Result<u32> {
    let mut built = 0;
    for s in schema
        .statements
        .iter()
        .filter(|s| s.kind == super::schema::StmtKind::Index)
    {
        ctx.control.check()?;
        // The backlog in short batches first: the build's own transaction
        // replays only the tail (issue 22: a whole backlog replayed here held
        // the new database, rollback journal and all, for 28 minutes).
        replay::catch_up(conn, plan, replay::SHORT_TAIL, ctx)?;
        let tx =
            lock::begin_immediate(conn).ctx(|| format!("starting to build index {}", s.name))?;
        let exists: i64 = tx
            .query_row("SELECT count(*) FROM main.sqlite_schema WHERE type = 'index' AND name = ?1 COLLATE NOCASE", [&s.name], |r| r.get(0))
            .ctx(|| format!("looking for index {}", s.name))?;
        if exists > 0 {
            continue;
        }
        (ctx.sink)(Event::Step {
            step: "indexes",
            message: format!("building index {}", s.name),
        });
        replay::batch_in(&tx, plan, u64::MAX)?;
        let helped = super::sorter::for_build(&tx, index_table_rows(plan, &s.name))?;
        let created = tx.execute_batch(&s.sql);
        if let Some(h) = helped {
            h.end(&tx)?;
        }
        created.map_err(|e| match e.sqlite_error_code() {
            // Duplicates or bad values in the old data: the operator must act.
            Some(rusqlite::ErrorCode::ConstraintViolation) => super::error::EngineError::Precondition(format!(
                "index {} cannot be built on the copied data: {e}; fix the data or the schema, then `mig reset` and migrate again",
                s.name
            )),
            // Disk full, busy and the rest keep their own meaning.
            _ => super::error::classify(format!("building index {}", s.name), e),
        })?;
        crate::engine::failpoint::hit("index.mid-build");
        tx.commit().ctx(|| format!("committing index {}", s.name))?;
        crate::engine::failpoint::hit("index.after-build");
        built += 1;
    }
    Ok(built)
}

/// Rows of the table that defers index `name` (0 if none does).
fn index_table_rows(plan: &Plan, name: &str) -> u64 {
    plan.tables
        .iter()
        .find(|t| {
            t.deferred_indexes
                .iter()
                .any(|i| i.eq_ignore_ascii_case(name))
        })
        .map_or(0, |t| t.rows)
}
