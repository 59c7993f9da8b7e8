//! Verifying old = inverse(new) before a revert makes the old database
//! writable: the forward verify run backwards. Chunk by chunk of the new
//! table (`sql.rs`), each in one write transaction on the old database that
//! first replays the reverse log to the new snapshot it reads. Each table's
//! verify ends at the last key the table had when it began (a service
//! writing at the end of the table would otherwise keep it going for
//! ever); the rows written beyond it since are checked by key
//! (`by_key.rs`), before the freeze and, for the last of them, under it.
//! Rows that differ only in a computed column hold new values the old
//! schema cannot hold (`unheld.rs`): counted over the whole table, then
//! refused with their count.

mod by_key;
mod sides;
mod sql;

use rusqlite::types::Value;
use rusqlite::Connection;

use super::apply::{self, Retry};
use super::inverse::{Inverse, TableInverse};
use super::unheld::Unheld;
use crate::engine::chunk_sql::KeyRange;
use crate::engine::error::{Result, SqlContext};
use crate::engine::lock;
use crate::engine::verify::Chunk;

pub use by_key::{check_written_since, check_written_since_in, ByKey, VERIFIED_TO};
use sql::{Rows, Sql};

/// Rows compared per chunk.
pub const CHUNK_ROWS: u64 = 5_000;

/// What a reverse verify compared.
#[derive(Debug, Clone, Copy, Default)]
pub struct Verified {
    pub rows: u64,
    pub tables: u32,
    pub entries_replayed: u64,
}

/// What runs before each of verify's transactions, with none of them open:
/// catches up (paced, refusing a backlog that does not fall) when many
/// writes are pending, so a transaction's own replay stays short, and
/// keeps the new database's WAL bounded.
pub type Between<'a> = dyn FnMut(&mut Connection) -> Result<()> + 'a;

/// Creates every table's temporary tables for verify and the check by key
/// on `conn` (none when they exist), `new` attached: revert runs it before
/// its freeze, so the check by key under it changes no temporary schema.
pub fn ready(conn: &Connection, inv: &Inverse) -> Result<()> {
    for (i, t) in inv.tables.iter().enumerate() {
        let sql = Sql::new(t, i);
        sql.create_sides(conn)?;
        by_key::create_keys(conn, t, &sql.sides)?;
    }
    Ok(())
}

/// Verifies every table; `each` is told (old table, rows so far, whether
/// that was its last chunk) after each chunk.
pub fn verify_all(
    work: &mut Connection,
    inv: &Inverse,
    each: &mut dyn FnMut(&str, u64, Chunk),
    between: &mut Between<'_>,
) -> Result<Verified> {
    crate::engine::verify::hash::register(work)?;
    let tx = lock::begin_immediate(work).ctx(|| "starting the reverse verify".into())?;
    by_key::reset_in(&tx, inv.key_width)?;
    tx.commit()
        .ctx(|| "starting the reverse verify".to_string())?;
    let mut out = Verified::default();
    for (i, t) in inv.tables.iter().enumerate() {
        let (rows, replayed) = table(work, inv, (t, i), each, between)?;
        out.rows += rows;
        out.entries_replayed += replayed;
        out.tables += 1;
    }
    Ok(out)
}

fn table(
    work: &mut Connection,
    inv: &Inverse,
    (t, i): (&TableInverse, usize),
    each: &mut dyn FnMut(&str, u64, Chunk),
    between: &mut Between<'_>,
) -> Result<(u64, u64)> {
    let sql = Sql::new(t, i);
    between(work)?;
    let (bound, mut replayed) = {
        let tx =
            lock::begin_immediate(work).ctx(|| format!("starting to verify {}", t.old_table))?;
        let b = apply::batch_in(&tx, inv, u64::MAX, Retry::Touched)?;
        let bound = sql.last_key(&tx)?;
        by_key::record_in(&tx, t, inv.key_width, bound.as_deref())?;
        tx.commit()
            .ctx(|| format!("starting to verify {}", t.old_table))?;
        (bound, b.applied)
    };
    let mut lo: Option<Vec<Value>> = None;
    let mut rows = 0;
    let mut unheld = Unheld::new(t);
    loop {
        between(work)?;
        let tx =
            lock::begin_immediate(work).ctx(|| format!("starting to verify {}", t.old_table))?;
        let now = apply::batch_in(&tx, inv, u64::MAX, Retry::Touched)?;
        let hi = chunk(&tx, &sql, (lo.as_deref(), bound.as_deref()))?;
        let n = match &hi {
            Some(hi) => sql.compare(
                &tx,
                Rows::Range(KeyRange {
                    lo: lo.as_deref(),
                    hi: Some(hi),
                }),
                &mut unheld,
            )?,
            None => 0,
        };
        tx.commit()
            .ctx(|| format!("finishing a chunk of {}", t.old_table))?;
        replayed += now.applied;
        rows += n;
        let last = hi.is_none() || hi == bound;
        each(
            &t.old_table,
            rows,
            if last { Chunk::Last } else { Chunk::More },
        );
        if last {
            break;
        }
        lo = hi;
    }
    unheld.finish()?;
    between(work)?;
    let tx = lock::begin_immediate(work).ctx(|| format!("counting the rows of {}", t.old_table))?;
    replayed += apply::batch_in(&tx, inv, u64::MAX, Retry::Touched)?.applied;
    sql.extra(&tx)?;
    tx.commit()
        .ctx(|| format!("counting the rows of {}", t.old_table))?;
    Ok((rows, replayed))
}

/// Where the chunk after `lo` ends: [`CHUNK_ROWS`] rows on, or at the
/// table's `bound` (its last key when its verify began); `None` when the
/// table was empty then (every row of it is checked by key).
fn chunk(
    tx: &Connection,
    sql: &Sql<'_>,
    (lo, bound): (Option<&[Value]>, Option<&[Value]>),
) -> Result<Option<Vec<Value>>> {
    let Some(bound) = bound else {
        return Ok(None);
    };
    let within = KeyRange {
        lo,
        hi: Some(bound),
    };
    Ok(Some(
        sql.chunk_end(tx, within)?.unwrap_or_else(|| bound.to_vec()),
    ))
}
