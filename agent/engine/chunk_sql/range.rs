//! The key ranges of chunks: where a chunk of a table starts and ends in
//! its old key's index order, as SQL over the old table. Every chunk ends
//! at the N-th row after the cursor (a rowid's too: sparse ids leave a span
//! of N values nearly empty); a composite key in one direction is one
//! row-value comparison, so SQLite seeks to the cursor.

use rusqlite::types::Value;
use rusqlite::Connection;

use super::ChunkSql;
use crate::engine::catalog::q;
use crate::engine::error::{Result, SqlContext};
use crate::engine::plan::TablePlan;

/// The rows of a chunk, by key: after `lo` (exclusive) up to `hi`
/// (inclusive), in the key's index order; `None` leaves that end open.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct KeyRange<'a> {
    pub lo: Option<&'a [Value]>,
    pub hi: Option<&'a [Value]>,
}

impl<'a> KeyRange<'a> {
    /// Every row the key reaches (for a declared key, its NULL-free rows).
    pub(crate) const ALL: KeyRange<'static> = KeyRange { lo: None, hi: None };

    /// The rows after `lo`, to the end of the table.
    pub(crate) fn after(lo: Option<&'a [Value]>) -> KeyRange<'a> {
        KeyRange { lo, hi: None }
    }

    /// The statement parameters of the range's WHERE clause: `lo`'s
    /// values, then `hi`'s.
    pub(crate) fn params(&self) -> Vec<Value> {
        let ends = self.lo.into_iter().chain(self.hi);
        ends.flatten().cloned().collect()
    }

    /// The number of the first parameter of the `hi` bound (0-based).
    pub(crate) fn hi_first(&self) -> usize {
        self.lo.map_or(0, <[Value]>::len)
    }
}

/// Which end of a range a key comparison bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// Key after the cursor (the range's exclusive start).
    After,
    /// Key up to the cursor (the range's inclusive end).
    UpTo,
}

impl ChunkSql {
    /// `key COLLATE x`, or just `key` for BINARY: an explicit COLLATE on a
    /// rowid would stop SQLite from seeking by it.
    fn collated(&self, i: usize) -> String {
        let (_, coll) = &self.order[i];
        if coll.eq_ignore_ascii_case("BINARY") {
            self.keys[i].clone()
        } else {
            format!("{} COLLATE {}", self.keys[i], q(coll))
        }
    }

    pub(super) fn order_by(&self) -> String {
        (0..self.keys.len())
            .map(|i| {
                format!(
                    "{} {}",
                    self.collated(i),
                    if self.order[i].0 { "DESC" } else { "ASC" }
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Key > cursor ([`End::After`]) or key <= cursor ([`End::UpTo`]), in
    /// index order, with parameters numbered from `first`.
    ///
    /// A key of several columns in one direction is one row-value
    /// comparison, each cursor value under its key column's collation:
    /// SQLite seeks the key's index to the cursor. Mixed directions (`a, b
    /// DESC`) are spelled out column by column, with a plain range bound on
    /// the leading column so SQLite can seek; rows sharing the cursor's
    /// leading value are then stepped over once per chunk.
    fn compare(&self, end: End, first: usize) -> String {
        let after = end == End::After;
        let n = self.keys.len();
        let desc = self.order[0].0;
        if n > 1 && self.order.iter().all(|(d, _)| *d == desc) {
            let op = match (after, desc) {
                (true, false) => ">",
                (true, true) => "<",
                (false, false) => "<=",
                (false, true) => ">=",
            };
            let cursor: Vec<String> = (0..n)
                .map(|i| format!("?{} COLLATE {}", first + i + 1, q(&self.order[i].1)))
                .collect();
            return format!("(({}) {op} ({}))", self.keys.join(", "), cursor.join(", "));
        }
        let mut expr = String::new();
        for i in (0..n).rev() {
            let desc = self.order[i].0;
            let k = self.collated(i);
            let p = format!("?{}", first + i + 1);
            let forward = if desc { "<" } else { ">" };
            let backward = if desc { ">" } else { "<" };
            let strict = if after { forward } else { backward };
            let last = if i == n - 1 {
                if after {
                    format!("{k} {strict} {p}")
                } else {
                    format!("{k} {strict}= {p}")
                }
            } else {
                format!("{k} {strict} {p} OR ({k} = {p} AND ({expr}))")
            };
            expr = last;
        }
        let desc = &self.order[0].0;
        let k0 = self.collated(0);
        let bound = match (after, desc) {
            (true, false) | (false, true) => ">=",
            _ => "<=",
        };
        format!("({k0} {bound} ?{} AND ({expr}))", first + 1)
    }

    /// The WHERE clause of the rows in `range`, its parameters
    /// ([`KeyRange::params`]) numbered `lo` first.
    pub(crate) fn range(&self, range: KeyRange<'_>) -> String {
        let mut parts = Vec::new();
        if !self.not_null.is_empty() {
            parts.push(self.not_null.clone());
        }
        if range.lo.is_some() {
            parts.push(self.compare(End::After, 0));
        }
        if range.hi.is_some() {
            parts.push(self.compare(End::UpTo, range.hi_first()));
        }
        if parts.is_empty() {
            "1".into()
        } else {
            parts.join(" AND ")
        }
    }

    /// The last key of the next chunk of `chunk` rows after `lo`, or `None`
    /// when the rest of the table fits in one chunk: the `chunk`-th row
    /// after `lo` in the key's index order, whatever gaps the key has.
    ///
    /// Every key mode counts rows, a rowid too: a rowid span of `chunk`
    /// values over sparse keys (millisecond timestamps as ids, as Anki's
    /// tables have) held a row or two, so copy and verify ran a
    /// transaction per row. The OFFSET steps over the chunk's rows once in
    /// the key's index (the table's b-tree for a rowid), pages the chunk's
    /// own statement reads next.
    pub(crate) fn chunk_end(
        &self,
        conn: &Connection,
        lo: Option<&[Value]>,
        chunk: u64,
    ) -> Result<Option<Vec<Value>>> {
        self.nth_row_end(conn, lo, chunk)
    }

    /// Copies the next chunk of at most `chunk` rows after `lo` (copy's
    /// step); returns the rows written and the chunk's last key, `None`
    /// when the table is done (no row follows the chunk).
    ///
    /// Where the new rowid is the old one ([`ChunkSql::ends_by_rowid`]),
    /// the insert itself is bounded (`ORDER BY rowid LIMIT chunk`) and its
    /// last inserted rowid is the chunk's end: the rows are walked once,
    /// not a second time by [`ChunkSql::nth_row_end`]'s OFFSET. A chunk
    /// shorter than `chunk` was the table's last; one exactly as long may
    /// be followed by an empty one. Elsewhere: the walk, then the range.
    pub(crate) fn copy_chunk(
        &self,
        conn: &Connection,
        t: &TablePlan,
        lo: Option<&[Value]>,
        chunk: u64,
    ) -> Result<(u64, Option<Vec<Value>>)> {
        if !self.ends_by_rowid {
            let hi = self.chunk_end(conn, lo, chunk)?;
            let n = self.apply_range(conn, t, lo, hi.as_deref())?;
            return Ok((n, hi));
        }
        let chunk = chunk.max(1);
        let range = KeyRange::after(lo);
        let mut params = range.params();
        params.push(Value::Integer(i64::try_from(chunk).unwrap_or(i64::MAX)));
        let sql = format!(
            "{} WHERE {} ORDER BY {} LIMIT ?{}",
            self.insert,
            self.range(range),
            self.order_by(),
            params.len()
        );
        let n = conn
            .prepare_cached(&sql)
            .and_then(|mut s| s.execute(rusqlite::params_from_iter(params.iter())))
            .ctx(|| format!("copying rows of {} into {}", self.from, t.name))?
            as u64;
        if n < chunk {
            return Ok((n, None));
        }
        Ok((n, Some(vec![Value::Integer(conn.last_insert_rowid())])))
    }

    /// The key of the `chunk`-th row after `lo`, counted row by row whatever
    /// gaps the key has, or `None` when no more rows follow it (what a timed
    /// sample of `plan` needs, and [`ChunkSql::chunk_end`]).
    pub(crate) fn nth_row_end(
        &self,
        conn: &Connection,
        lo: Option<&[Value]>,
        chunk: u64,
    ) -> Result<Option<Vec<Value>>> {
        let range = KeyRange::after(lo);
        let filter = self.range(range);
        let mut params = range.params();
        // The offset a parameter: one prepared statement whatever the size.
        params.push(Value::Integer(
            i64::try_from(chunk.saturating_sub(1)).unwrap_or(i64::MAX),
        ));
        let sql = format!(
            "SELECT {} FROM {} WHERE {filter} ORDER BY {} LIMIT 2 OFFSET ?{}",
            self.keys.join(", "),
            self.from,
            self.order_by(),
            params.len()
        );
        let mut stmt = conn
            .prepare_cached(&sql)
            .ctx(|| format!("finding the next chunk of {}", self.table))?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params))
            .ctx(|| format!("finding the next chunk of {}", self.table))?;
        match rows
            .next()
            .ctx(|| format!("finding the next chunk of {}", self.table))?
        {
            None => Ok(None),
            Some(r) => {
                let mut out = Vec::with_capacity(self.keys.len());
                for i in 0..self.keys.len() {
                    out.push(r.get::<_, Value>(i).ctx(|| "reading a chunk key".into())?);
                }
                // The `chunk`-th row is the last: the rest is this chunk.
                let more = rows
                    .next()
                    .ctx(|| format!("finding the next chunk of {}", self.table))?;
                Ok(more.map(|_| out))
            }
        }
    }
}
