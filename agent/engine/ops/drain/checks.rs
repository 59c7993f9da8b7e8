//! Drain's checks before its freeze (`freeze::before`), run while writes
//! still flow, in one transaction that first replays the log to the old
//! snapshot it reads (so both sides stand at one log position). Replay keeps
//! what they establish true until the end of the drain (`replay_guard.rs`).
//!
//! First, no old row may have a NULL key (it cannot have been copied).
//!
//! Every sourced table maps old rows to new rows one to one, so the row
//! counts must agree. A difference means rows were merged or lost: the copy
//! and replay write with `INSERT OR REPLACE` (see `chunk_sql/`), which removes a
//! row that collides on a UNIQUE constraint; that is right for stale rows
//! but loses data when the new schema declares a uniqueness the old data
//! does not have (`email UNIQUE` fed by `lower(Email)`, say).

use rusqlite::Connection;

use crate::engine::catalog::q;
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::plan::{null_key_count_sql, null_key_message, OldKey, Plan};

/// Refuses rows the service wrote during the migration with a NULL primary
/// key (possible for a rowid table's non-INTEGER key): they have no key to
/// log or copy by, so the new database cannot have them. The plan refuses
/// such rows up front; this catches the ones that came later.
pub fn null_keys(conn: &Connection, plan: &Plan) -> Result<()> {
    let mut found = Vec::new();
    for t in &plan.tables {
        let (Some(src), Some(OldKey::Columns(cols))) = (&t.source, &t.old_key) else {
            continue;
        };
        let n: i64 = conn
            .query_row(&null_key_count_sql("old", src, cols), [], |r| r.get(0))
            .ctx(|| format!("looking for NULL keys in {src}"))?;
        if n > 0 && !found.iter().any(|(s, _)| s == src) {
            found.push((src.clone(), null_key_message(src, cols, n as u64)));
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = found.into_iter().map(|(_, m)| m).collect();
    Err(EngineError::Verification(
        format!("verification failed: {}", lines.join("; ")).into(),
    ))
}

/// Compares row counts of every sourced table, inside the caller's
/// transaction (one snapshot of both databases). Only when the copy is not
/// certified: a full verify compared every row already.
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
    ).into()))
}
