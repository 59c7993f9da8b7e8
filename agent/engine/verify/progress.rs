//! Verify's progress: the old row counts it measures against (counted once
//! when the comparison starts; the service may still write, so a table can
//! end a little above or below) and one [`Event::Verify`] per chunk, the
//! last of each table marked finished.

use rusqlite::Connection;

use crate::engine::catalog::q;
use crate::engine::error::{Result, SqlContext};
use crate::engine::plan::Plan;
use crate::engine::{Ctx, Event};

/// Whether a chunk was its table's last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chunk {
    More,
    Last,
}

pub struct Progress {
    /// Old rows of each table verify compares, in plan order.
    totals: Vec<(String, u64)>,
    /// Tables finished, and the rows they held.
    tables_done: usize,
    rows_before: u64,
}

impl Progress {
    /// Counts the old rows of every sourced table of `plan`.
    pub fn count(conn: &Connection, plan: &Plan) -> Result<Progress> {
        let tables = plan
            .tables
            .iter()
            .filter_map(|t| match (&t.source, &t.old_key) {
                (Some(src), Some(_)) => Some((t.name.as_str(), src.as_str())),
                _ => None,
            });
        Progress::count_in(conn, "old", tables)
    }

    /// Counts the rows of each `(reported as, table)` in `schema`, in order.
    pub fn count_in<'a>(
        conn: &Connection,
        schema: &str,
        tables: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> Result<Progress> {
        let mut totals = Vec::new();
        for (name, table) in tables {
            let n: i64 = conn
                .query_row(
                    &format!("SELECT count(*) FROM {}.{}", q(schema), q(table)),
                    [],
                    |r| r.get(0),
                )
                .ctx(|| format!("counting the rows of {table}"))?;
            totals.push((name.to_string(), n.max(0) as u64));
        }
        Ok(Progress {
            totals,
            tables_done: 0,
            rows_before: 0,
        })
    }

    /// Reports `done` rows of `table` compared, after one of its chunks (its
    /// last also moves on to the next table).
    pub fn report(&mut self, ctx: &mut Ctx<'_>, table: &str, done: u64, chunk: Chunk) {
        let finished = chunk == Chunk::Last;
        let counted = self
            .totals
            .get(self.tables_done)
            .filter(|(name, _)| name == table)
            .map_or(done, |(_, n)| *n);
        let table_total = if finished { done } else { counted.max(done) };
        let rest: u64 = self
            .totals
            .iter()
            .skip(self.tables_done + 1)
            .map(|(_, n)| n)
            .sum();
        let rows_done = self.rows_before + done;
        (ctx.sink)(Event::Verify {
            table: table.to_string(),
            table_rows_done: done,
            table_rows_total: table_total,
            rows_done,
            rows_total: self.rows_before + table_total + rest,
            tables_done: self.tables_done as u32 + u32::from(finished),
            tables_total: self.totals.len() as u32,
            table_finished: finished,
        });
        if finished {
            self.tables_done += 1;
            self.rows_before = rows_done;
        }
    }
}
