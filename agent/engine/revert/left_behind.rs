//! What a reverted new database holds that no other file does: rows its
//! revert discarded (`revert --discard-conflicts`, listed in
//! `_mig_revert_discarded`), rows of tables the old schema has no place
//! for, and values of columns only the new schema has (`new_only`). `reset`
//! reads it before deleting the new database and refuses unless told to.

use std::path::Path;

use rusqlite::Connection;

use super::new_only::{self, DroppedValues};
use super::Inverse;
use crate::engine::catalog::q;
use crate::engine::error::{Result, SqlContext};

/// Where `revert --discard-conflicts` lists the rows it left in the new
/// database (written by `ops::revert`).
pub const DISCARDED: &str = "_mig_revert_discarded";

/// Counts of what only the new database holds.
#[derive(Debug, Clone, Default)]
pub struct LeftBehind {
    /// Rows a revert discarded, per table.
    pub discarded: Vec<(String, u64)>,
    /// Rows of tables the old schema has no place for, per table.
    pub new_tables: Vec<(String, u64)>,
    /// Values of columns only the new schema has.
    pub new_columns: Vec<DroppedValues>,
    /// Why the tables and columns could not be told (the recorded schema
    /// no longer maps onto the old database): every table may hold some.
    pub unknown: Option<String>,
}

impl LeftBehind {
    pub fn is_empty(&self) -> bool {
        self.discarded.is_empty()
            && self.new_tables.is_empty()
            && self.new_columns.is_empty()
            && self.unknown.is_none()
    }

    /// `1 row(s) its revert discarded (product: 1), 12 row(s) of tables the
    /// old schema has no place for (wishlist: 12), …`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.discarded.is_empty() {
            parts.push(format!(
                "{} row(s) its revert discarded ({})",
                total(&self.discarded),
                per_table(&self.discarded)
            ));
        }
        if !self.new_tables.is_empty() {
            parts.push(format!(
                "{} row(s) of tables the old schema has no place for ({})",
                total(&self.new_tables),
                per_table(&self.new_tables)
            ));
        }
        if !self.new_columns.is_empty() {
            let each: Vec<(String, u64)> = self
                .new_columns
                .iter()
                .map(|d| (format!("{}.{}", d.table, d.column), d.values))
                .collect();
            parts.push(format!(
                "{} value(s) of columns only the new schema has ({})",
                total(&each),
                per_table(&each)
            ));
        }
        if let Some(why) = &self.unknown {
            parts.push(format!(
                "perhaps rows of tables or columns the old schema has no place for (mig cannot tell: {why})"
            ));
        }
        parts.join(", ")
    }
}

/// Reads what only `new` holds; `inverse` is the migration's inverse
/// mapping (`Err`: why it could not be built).
pub fn read(conn: &Connection, new: &Path, inverse: Result<Inverse>) -> Result<LeftBehind> {
    let mut held = LeftBehind {
        discarded: discarded(conn, new)?,
        ..LeftBehind::default()
    };
    match inverse {
        Ok(inv) => {
            for r in inv.report.iter().filter(|r| r.old_table.is_none()) {
                let n: i64 = conn
                    .query_row(
                        &format!("SELECT count(*) FROM main.{}", q(&r.new_table)),
                        [],
                        |r| r.get(0),
                    )
                    .ctx(|| format!("counting the rows of {} in {}", r.new_table, new.display()))?;
                if n > 0 {
                    held.new_tables.push((r.new_table.clone(), n as u64));
                }
            }
            held.new_columns = new_only::count(conn, "main", &inv)?;
        }
        Err(e) => held.unknown = Some(e.to_string()),
    }
    Ok(held)
}

/// The rows a revert discarded, counted per table (none without the table).
fn discarded(conn: &Connection, new: &Path) -> Result<Vec<(String, u64)>> {
    let context = || format!("reading {DISCARDED} in {}", new.display());
    if !crate::engine::record::has_table(conn, "main", DISCARDED)? {
        return Ok(Vec::new());
    }
    let mut stmt = conn
        .prepare(&format!(
            "SELECT tbl, count(*) FROM {DISCARDED} GROUP BY tbl ORDER BY tbl"
        ))
        .ctx(context)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .ctx(context)?
        .map(|r| r.map(|(t, n)| (t, n.max(0) as u64)))
        .collect::<rusqlite::Result<Vec<_>>>()
        .ctx(context)?;
    Ok(rows)
}

fn total(held: &[(String, u64)]) -> u64 {
    held.iter().map(|(_, n)| n).sum()
}

/// `orders: 2, product: 1`.
fn per_table(held: &[(String, u64)]) -> String {
    let each: Vec<String> = held.iter().map(|(t, n)| format!("{t}: {n}")).collect();
    each.join(", ")
}
