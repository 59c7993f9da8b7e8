//! Verification of the new database against the old one, run by drain once
//! the log is fully replayed with writes refused (so both sides are still).
//!
//! Every sourced table maps old rows to new rows one to one, so the row
//! counts must agree. A difference means rows were merged or lost: the copy
//! and replay write with `INSERT OR REPLACE` (see `rows.rs`), which removes a
//! row that collides on a UNIQUE constraint; that is right for stale rows
//! but loses data when the new schema declares a uniqueness the old data
//! does not have (`email UNIQUE` fed by `lower(Email)`, say).

use rusqlite::Connection;

use super::catalog::q;
use super::error::{EngineError, Result, SqlContext};
use super::plan::Plan;

/// Compares row counts of every sourced table, inside the caller's
/// transaction (one snapshot of both databases).
pub fn row_counts(conn: &Connection, plan: &Plan) -> Result<()> {
    let mut differences = Vec::new();
    for t in &plan.tables {
        let Some(src) = &t.source else { continue };
        let count = |sql: String| -> Result<i64> {
            conn.query_row(&sql, [], |r| r.get(0))
                .ctx(|| format!("verifying the row count of {}", t.name))
        };
        let new = count(format!("SELECT count(*) FROM main.{}", q(&t.name)))?;
        let old = count(format!("SELECT count(*) FROM old.{}", q(src)))?;
        if new != old {
            differences.push(format!(
                "{} has {new} rows but old table {src} has {old}",
                t.name
            ));
        }
    }
    if differences.is_empty() {
        return Ok(());
    }
    Err(EngineError::Verification(format!(
        "verification failed: {}; a UNIQUE constraint of the new schema that the old data does not satisfy merges rows: find the duplicates, fix the data or the schema, then `mig reset` and migrate again",
        differences.join(", ")
    )))
}
