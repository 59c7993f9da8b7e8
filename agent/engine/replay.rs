//! Replay: brings the new database up to date with the old one's
//! `_migration_log`.
//!
//! A log entry says only "this key of this table changed". A batch of
//! entries is applied in one transaction that reads a single snapshot of the
//! old database: for every key the batch touched, the new row is made equal
//! to what the mapping gives from the old row *now* (deleted if the old row
//! is gone). Applying an entry twice, or out of order, therefore converges
//! to the same result, and the checkpoint is committed with the rows.

use std::time::{Duration, Instant};

use rusqlite::types::Value;
use rusqlite::Connection;

use super::catalog::{lit, q};
use super::chunk_sql::ChunkSql;
use super::error::{Result, SqlContext};
use super::lock;
use super::mapping;
use super::new_side;
use super::plan::{KeyMode, OldKey, Plan, TablePlan};
use super::replay_blocked;
use super::replay_guard::{self, Window};

/// The most entries one batch replays: large enough to amortise the
/// per-table statements, small enough to keep each write transaction short
/// (a catch-up also bounds its batches by time, see [`Batches`]).
pub const BATCH: u64 = 20_000;

#[derive(Debug, Clone, Copy, Default)]
pub struct Batch {
    /// Log entries covered by this batch.
    pub applied: u64,
    /// The checkpoint after the batch.
    pub checkpoint: u64,
    /// The newest entry in the snapshot the batch read.
    pub log_max: u64,
}

/// Applies the entries after the checkpoint, at most `max_entries` of them,
/// in one transaction of its own.
pub fn batch(conn: &mut Connection, plan: &Plan, max_entries: u64) -> Result<Batch> {
    let tx = lock::begin_immediate(conn).ctx(|| "starting a replay batch".into())?;
    let b = match batch_in(&tx, plan, max_entries) {
        Err(e) if replay_blocked::is_constraint(&e) => {
            drop(tx);
            return Err(replay_blocked::diagnose(conn, plan, e));
        }
        b => b?,
    };
    if b.applied > 0 {
        replay_blocked::clear(&tx)?;
        tx.commit().ctx(|| "committing a replay batch".into())?;
        super::failpoint::hit("replay.after-batch");
    }
    Ok(b)
}

/// Applies the entries after the checkpoint, at most `max_entries` of them,
/// inside the caller's write transaction (which must be the one that first
/// read the old database, so the log and the rows share a snapshot), and
/// moves the checkpoint with them.
pub fn batch_in(tx: &Connection, plan: &Plan, max_entries: u64) -> Result<Batch> {
    let lo = new_side::checkpoint(tx)?;
    let log_max: i64 = tx
        .query_row(
            "SELECT coalesce(max(seq), 0) FROM old._migration_log",
            [],
            |r| r.get(0),
        )
        .ctx(|| "reading _migration_log".into())?;
    let log_max = log_max.max(0) as u64;
    if log_max <= lo {
        return Ok(Batch {
            applied: 0,
            checkpoint: lo,
            log_max,
        });
    }
    let hi = log_max.min(lo.saturating_add(max_entries));
    let touched_tables: Vec<String> = {
        let mut stmt = tx
            .prepare_cached(
                "SELECT DISTINCT tbl FROM old._migration_log WHERE seq > ?1 AND seq <= ?2",
            )
            .ctx(|| "reading _migration_log".into())?;
        let names = stmt
            .query_map([lo as i64, hi as i64], |r| r.get(0))
            .ctx(|| "reading _migration_log".into())?
            .collect::<std::result::Result<Vec<String>, _>>()
            .ctx(|| "reading _migration_log".into())?;
        names
    };
    let window = Window { lo, hi, log_max };
    replay_guard::null_keys(tx, plan, &touched_tables, window)?;
    for t in &plan.tables {
        let Some(src) = &t.source else { continue };
        if touched_tables.iter().any(|n| n.eq_ignore_ascii_case(src)) {
            apply_table(tx, t, window)?;
        }
    }
    super::failpoint::hit("replay.mid-batch");
    new_side::set_checkpoint(tx, hi)?;
    Ok(Batch {
        applied: hi - lo,
        checkpoint: hi,
        log_max,
    })
}

/// Distinct keys of `src` touched by entries in (?1, ?2]: the new key of
/// every entry and the old key of updates (which may have moved the row).
///
/// The UNION is wrapped in a plain subquery: SQLite seeks an index for
/// `(a, b) IN (SELECT …)` but not when the SELECT is a compound one (it
/// would scan the whole old table instead).
pub(crate) fn touched(src: &str, width: usize) -> String {
    let k: Vec<String> = (0..width).map(|i| format!("k{i}")).collect();
    let o: Vec<String> = (0..width).map(|i| format!("o{i}")).collect();
    format!(
        "SELECT {k} FROM (SELECT {k} FROM old._migration_log WHERE seq > ?1 AND seq <= ?2 AND tbl = {t} \
         UNION SELECT {o} FROM old._migration_log WHERE seq > ?1 AND seq <= ?2 AND tbl = {t} AND op = 'U')",
        k = k.join(", "),
        o = o.join(", "),
        t = lit(src)
    )
}

fn tuple(items: &[String]) -> String {
    if items.len() == 1 {
        items[0].clone()
    } else {
        format!("({})", items.join(", "))
    }
}

fn apply_table(conn: &Connection, t: &TablePlan, window: Window) -> Result<()> {
    let (Some(src), Some(key)) = (&t.source, &t.old_key) else {
        return Ok(());
    };
    let (lo, hi) = (window.lo, window.hi);
    let touched_sql = touched(src, key.width());
    let range: [Value; 2] = [Value::Integer(lo as i64), Value::Integer(hi as i64)];
    // 1. Keys whose old row is gone: delete their new row.
    let Some(delete) = delete_gone(t, (src, key), &touched_sql) else {
        return Ok(());
    };
    conn.prepare_cached(&delete)
        .and_then(|mut s| s.execute(rusqlite::params_from_iter(range.iter())))
        .ctx(|| format!("replaying deletes into {}", t.name))?;
    // 2. Keys whose old row exists: write the row as the mapping gives it now.
    let sql = ChunkSql::new(t, src, key);
    let filter = format!("{} IN ({touched_sql})", tuple(sql.keys()));
    replay_guard::guarded(conn, t, (src, key), window, || {
        sql.apply(conn, t, &filter, &range)
    })?;
    Ok(())
}

/// The DELETE of the new rows of touched keys whose old row is gone;
/// `None` for a table replay does not write. Each touched key is probed
/// without affinity of its own (`+`), so the old table's key index applies
/// whatever the log column's type.
fn delete_gone(t: &TablePlan, (src, key): (&str, &OldKey), touched_sql: &str) -> Option<String> {
    let key_cmp: Vec<String> = key
        .exprs("x")
        .iter()
        .enumerate()
        .map(|(i, e)| format!("{e} = +tk.k{i}"))
        .collect();
    let gone_filter = format!(
        "NOT EXISTS (SELECT 1 FROM old.{} x WHERE {})",
        q(src),
        key_cmp.join(" AND ")
    );
    match t.key_mode {
        KeyMode::Renumbered => {
            let keys: Vec<String> = (0..key.width()).map(|i| format!("tk.k{i}")).collect();
            Some(format!(
                "DELETE FROM main.{} WHERE rowid IN (SELECT m._mig_new FROM ({touched_sql}) AS tk \
                 CROSS JOIN {} WHERE {gone_filter})",
                q(&t.name),
                mapping::join(&t.name, &keys, &key.collations())
            ))
        }
        KeyMode::Preserved => Some(delete_preserved(t, (src, key), touched_sql, &gone_filter)),
        // A refused table blocks the plan: migrate never records it.
        KeyMode::NewEmpty | KeyMode::Refused => None,
    }
}

/// A preserved key's DELETE: the new key expressions evaluated on a row
/// made of the old key alone.
fn delete_preserved(
    t: &TablePlan,
    (src, key): (&str, &OldKey),
    touched_sql: &str,
    gone_filter: &str,
) -> String {
    let names: Vec<String> = match key {
        OldKey::Rowid { alias } => {
            let mut v = vec!["rowid".to_string(), "oid".into(), "_rowid_".into()];
            v.extend(alias.iter().cloned());
            v.into_iter()
                .map(|n| format!("tk.k0 AS {}", q(&n)))
                .collect()
        }
        OldKey::Columns(cols) => cols
            .iter()
            .enumerate()
            .map(|(i, c)| format!("tk.k{i} AS {}", q(&c.name)))
            .collect(),
    };
    let new_cols: Vec<String> = t
        .new_key
        .iter()
        .map(|(c, _)| if c == "rowid" { c.clone() } else { q(c) })
        .collect();
    let new_exprs: Vec<String> = t.new_key.iter().map(|(_, e)| e.clone()).collect();
    format!(
        "DELETE FROM main.{} WHERE {} IN (SELECT {} FROM (SELECT {} FROM ({touched_sql}) AS tk WHERE {gone_filter}) AS {})",
        q(&t.name),
        tuple(&new_cols),
        new_exprs.join(", "),
        names.join(", "),
        q(src)
    )
}

/// Replays until fewer than `until_pending` entries remain (0: everything),
/// in batches of [`Batches`] (bounded by entries and by time), reporting
/// each batch; returns the entries applied.
pub fn catch_up(
    conn: &mut Connection,
    plan: &Plan,
    until_pending: u64,
    ctx: &mut super::Ctx<'_>,
) -> Result<u64> {
    let started = Instant::now();
    let sink = &mut *ctx.sink;
    until_below(
        conn,
        plan,
        until_pending,
        ctx.control,
        |conn, applied, b| {
            let pending = b.log_max.saturating_sub(b.checkpoint);
            sink(super::Event::Replay {
                applied,
                pending,
                lag_seconds: lag_seconds(conn, b.checkpoint)?,
                entries_per_sec: applied as f64 / started.elapsed().as_secs_f64().max(1e-6),
            });
            Ok(())
        },
    )
}

/// Replays in short batches until fewer than `below` entries remain, so a
/// transaction that must replay everything up to its own snapshot (an index
/// build, a verified chunk) has only a short tail left to hold the database
/// for; returns the entries applied. Stops at a pause or cancel like a copy.
pub fn shorten_backlog(
    conn: &mut Connection,
    plan: &Plan,
    below: u64,
    control: &super::Control,
) -> Result<u64> {
    until_below(conn, plan, below, control, |_, _, _| Ok(()))
}

/// The loop of [`catch_up`] and [`shorten_backlog`]: `each` sees the total
/// applied and every batch.
fn until_below(
    conn: &mut Connection,
    plan: &Plan,
    below: u64,
    control: &super::Control,
    mut each: impl FnMut(&Connection, u64, &Batch) -> Result<()>,
) -> Result<u64> {
    let mut sizes = Batches::default();
    let mut applied = 0;
    loop {
        control.check()?;
        let began = Instant::now();
        let b = batch(conn, plan, sizes.size)?;
        sizes.took(b.applied, began.elapsed());
        applied += b.applied;
        each(conn, applied, &b)?;
        if b.applied == 0 || b.log_max.saturating_sub(b.checkpoint) <= below {
            return Ok(applied);
        }
    }
}

/// Replays one bounded batch if more than `above` entries wait: how a copy
/// keeps up with the writes recorded meanwhile (issue 22: a copy that
/// replayed nothing left a backlog of 495k entries, 1,457 s behind, to the
/// end of migrate and to the drain). Returns the entries applied.
pub fn keep_up(conn: &mut Connection, plan: &Plan, above: u64, sizes: &mut Batches) -> Result<u64> {
    let log_max: i64 = conn
        .query_row(
            "SELECT coalesce(max(seq), 0) FROM old._migration_log",
            [],
            |r| r.get(0),
        )
        .ctx(|| "reading _migration_log".into())?;
    if (log_max.max(0) as u64).saturating_sub(new_side::checkpoint(conn)?) <= above {
        return Ok(0);
    }
    let began = Instant::now();
    let b = batch(conn, plan, sizes.size)?;
    sizes.took(b.applied, began.elapsed());
    Ok(b.applied)
}

/// How many entries the next batch replays: starts small and scales so a
/// batch takes about [`TARGET_BATCH`], never more than [`BATCH`] entries
/// (issue 22: one catch-up transaction of 495k entries held the new
/// database, and every `status`, for 28 minutes).
#[derive(Debug, Clone, Copy)]
pub struct Batches {
    pub size: u64,
}

/// What [`shorten_backlog`] leaves for a transaction that replays the rest
/// itself: a few batches' worth at most.
pub const SHORT_TAIL: u64 = FIRST_BATCH;

/// How long one replay batch should take (as a copy chunk does).
const TARGET_BATCH: Duration = Duration::from_millis(200);
const MIN_BATCH: u64 = 100;
const FIRST_BATCH: u64 = 2_000;

impl Default for Batches {
    fn default() -> Self {
        Batches { size: FIRST_BATCH }
    }
}

impl Batches {
    /// Adapts the size to how long a batch of `applied` entries took (a
    /// batch cut short by the end of the log says nothing of the size).
    pub fn took(&mut self, applied: u64, took: Duration) {
        if applied < self.size {
            return;
        }
        let ratio = TARGET_BATCH.as_secs_f64() / took.as_secs_f64().max(1e-4);
        let scaled = (self.size as f64 * ratio.clamp(0.5, 4.0)) as u64;
        self.size = scaled.clamp(MIN_BATCH, BATCH);
    }
}

/// Age in seconds of the oldest entry not yet replayed.
pub fn lag_seconds(conn: &Connection, checkpoint: u64) -> Result<f64> {
    // Polled like a lock: on a rollback-journal old database a tight-loop
    // writer keeps readers out longer than SQLite's own backoff retries.
    let age: Option<f64> = super::lock::with_lock(conn, |c| {
        c.query_row(
            "SELECT (julianday('now') - at) * 86400.0 FROM old._migration_log WHERE seq > ?1 ORDER BY seq LIMIT 1",
            [checkpoint as i64],
            |r| r.get(0),
        )
        .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) })
    })
    .ctx(|| "reading replay lag".into())?;
    Ok(age.unwrap_or(0.0).max(0.0))
}
