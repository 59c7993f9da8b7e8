//! Verify's progress: the old row counts it measures against (counted once
//! when the comparison starts; the service may still write, so a table can
//! end a little above or below) and one [`Event::Verify`] per chunk, the
//! last of each table marked finished.
//!
//! Each event also counts the work in bytes, so the job's time left tracks
//! row width: a table's rows weigh their mean width (measured over a sample
//! of [`WIDTH_SAMPLE`] rows with `octet_length`, which reads no overflow
//! page) plus [`ROW_COST_BYTES`] for the cost of a row itself. Rows only
//! would price a table of 4 KB blobs at the pace of a narrow table before
//! it (43x short in a measurement; docs/benchmarks.md, "Verify's ETA").

use rusqlite::Connection;

use crate::engine::catalog::q;
use crate::engine::error::{Result, SqlContext};
use crate::engine::plan::Plan;
use crate::engine::{Ctx, Event, WorkBytes};

/// Rows whose width is measured per table.
pub const WIDTH_SAMPLE: u64 = 1000;

/// What comparing a row costs beyond its bytes, in bytes: 400,000 rows of
/// 20 bytes took 2.3 s and 20,000 rows of 4 KB 4.9 s, which a cost of
/// rows x (80 + width) bytes fits within 3%.
pub const ROW_COST_BYTES: u64 = 80;

/// A table's rows, and the bytes one of them weighs.
#[derive(Debug, Clone)]
struct Counted {
    name: String,
    rows: u64,
    row_bytes: u64,
}

/// Whether a chunk was its table's last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chunk {
    More,
    Last,
}

pub struct Progress {
    /// Old rows of each table verify compares, in plan order.
    totals: Vec<Counted>,
    /// Tables finished, and the rows and bytes they held.
    tables_done: usize,
    rows_before: u64,
    bytes_before: u64,
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
            totals.push(Counted {
                name: name.to_string(),
                rows: n.max(0) as u64,
                row_bytes: ROW_COST_BYTES + row_width(conn, schema, table)?,
            });
        }
        Ok(Progress {
            totals,
            tables_done: 0,
            rows_before: 0,
            bytes_before: 0,
        })
    }

    /// The bytes each table's row weighs, in order: its mean width plus
    /// [`ROW_COST_BYTES`].
    pub fn row_bytes(&self) -> Vec<(&str, u64)> {
        self.totals
            .iter()
            .map(|c| (c.name.as_str(), c.row_bytes))
            .collect()
    }

    /// Reports `done` rows of `table` compared, after one of its chunks (its
    /// last also moves on to the next table).
    pub fn report(&mut self, ctx: &mut Ctx<'_>, table: &str, done: u64, chunk: Chunk) {
        let finished = chunk == Chunk::Last;
        let current = self
            .totals
            .get(self.tables_done)
            .filter(|c| c.name == table);
        let counted = current.map_or(done, |c| c.rows);
        let row_bytes = current.map_or(ROW_COST_BYTES, |c| c.row_bytes);
        let table_total = if finished { done } else { counted.max(done) };
        let rest = self.totals.iter().skip(self.tables_done + 1);
        let (rest_rows, rest_bytes) =
            rest.fold((0, 0), |(r, b), c| (r + c.rows, b + c.rows * c.row_bytes));
        let rest = rest_rows;
        let rows_done = self.rows_before + done;
        let bytes_done = self.bytes_before + done * row_bytes;
        let bytes = WorkBytes {
            done: bytes_done,
            total: self.bytes_before + table_total * row_bytes + rest_bytes,
            table_left: (table_total - done) * row_bytes,
        };
        (ctx.sink)(Event::Verify {
            table: table.to_string(),
            table_rows_done: done,
            table_rows_total: table_total,
            rows_done,
            rows_total: self.rows_before + table_total + rest,
            tables_done: self.tables_done as u32 + u32::from(finished),
            tables_total: self.totals.len() as u32,
            table_finished: finished,
            bytes,
        });
        if finished {
            self.tables_done += 1;
            self.rows_before = rows_done;
            self.bytes_before = bytes_done;
        }
    }
}

/// The mean bytes of a row of `schema.table` over its first
/// [`WIDTH_SAMPLE`] rows (0 when empty).
fn row_width(conn: &Connection, schema: &str, table: &str) -> Result<u64> {
    let ctx = || format!("measuring the row width of {table}");
    let mut stmt = conn
        .prepare("SELECT name FROM pragma_table_info(?1, ?2)")
        .ctx(ctx)?;
    let columns = stmt
        .query_map([table, schema], |r| r.get::<_, String>(0))
        .ctx(ctx)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .ctx(ctx)?;
    if columns.is_empty() {
        return Ok(0);
    }
    let width: Vec<String> = columns
        .iter()
        .map(|c| format!("ifnull(octet_length({}), 0)", q(c)))
        .collect();
    let mean: Option<f64> = conn
        .query_row(
            &format!(
                "SELECT avg(w) FROM (SELECT {} AS w FROM {}.{} LIMIT {WIDTH_SAMPLE})",
                width.join(" + "),
                q(schema),
                q(table)
            ),
            [],
            |r| r.get(0),
        )
        .ctx(ctx)?;
    Ok(mean.unwrap_or(0.0).max(0.0) as u64)
}
