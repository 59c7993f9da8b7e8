//! A replay stopped by a new constraint: which old rows break which
//! constraint of the new schema, all of them counted, and the record of it
//! in the new database that `status` reads for its next step.
//!
//! A replay batch is one `INSERT OR REPLACE … SELECT`: SQLite names the
//! constraint that stopped it (`NOT NULL constraint failed: country.iso2`)
//! and no row. Since replay writes the mapping of the old rows as they are
//! now, the plan's own pre-check over the old tables (`plan::precheck`)
//! finds every row the replay would stop at, with its old key.

use rusqlite::Connection;

use super::error::{EngineError, Result, SqlContext};
use super::lock;
use super::plan::precheck::{self, Checked};
use super::plan::Plan;

/// The `_migration_progress` item prefix: the rest of the item is the line
/// saying what to fix, `n` the rows that break a constraint.
const ITEM: &str = "replay-blocked:";

/// What to do about it, after the rows are named.
const FIX: &str = "fix those rows in the old database (the catch-up then goes on), or change the mapping: `mig reset` and migrate again";

/// Whether `e` is a constraint a replayed row broke.
pub fn is_constraint(e: &EngineError) -> bool {
    matches!(e, EngineError::Sqlite { source, .. }
        if source.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation))
}

/// Names the old rows behind the constraint error `e` of a replay batch
/// (rolled back already), records them for `status`, and returns the error
/// to report: table, constraint, count and first old keys of each.
pub fn diagnose(conn: &mut Connection, plan: &Plan, e: EngineError) -> EngineError {
    let found = match precheck::check(conn, plan) {
        Ok((checked, _)) => checked
            .into_iter()
            .filter(|c| c.blocks && c.rows > 0)
            .collect::<Vec<_>>(),
        Err(_) => Vec::new(),
    };
    if found.is_empty() {
        // Nothing the pre-check can name (a trigger of the new schema, say):
        // SQLite's own words, and where to look.
        return EngineError::Precondition(format!(
            "replay stopped: {e}; a row written to the old database since the copy breaks the new schema; {FIX}"
        ));
    }
    let rows: u64 = found.iter().map(|c| c.rows).sum();
    let named: Vec<String> = found.iter().map(line).collect();
    let text = format!(
        "{rows} row{} written to the old database break the new schema: {}",
        if rows == 1 { "" } else { "s" },
        named.join("; ")
    );
    if let Err(recording) = record(conn, &text, rows) {
        return recording;
    }
    EngineError::Precondition(format!("replay stopped: {text}; {FIX}"))
}

/// `3 rows of old table Country break NOT NULL(iso2) of country (old keys: 7, 9, 12)`.
fn line(c: &Checked) -> String {
    format!(
        "{} row{} of old table {} break{} {} of {} (old keys: {})",
        c.rows,
        if c.rows == 1 { "" } else { "s" },
        c.old_table,
        if c.rows == 1 { "s" } else { "" },
        c.constraint,
        c.table,
        c.examples.text()
    )
}

fn record(conn: &mut Connection, text: &str, rows: u64) -> Result<()> {
    let ctx = || "recording why the replay stopped".to_string();
    let tx = lock::begin_immediate(conn).ctx(ctx)?;
    clear(&tx)?;
    tx.execute(
        "INSERT INTO main._migration_progress(item, done, n, updated_at) VALUES (?1, 1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
        rusqlite::params![format!("{ITEM}{text}"), rows as i64],
    )
    .ctx(ctx)?;
    tx.commit().ctx(ctx)
}

/// Forgets a stopped replay (inside the transaction of a batch that went
/// through).
pub fn clear(conn: &Connection) -> Result<()> {
    conn.execute(
        "DELETE FROM main._migration_progress WHERE substr(item, 1, ?1) = ?2",
        rusqlite::params![ITEM.len() as i64, ITEM],
    )
    .ctx(|| "clearing a stopped replay".into())?;
    Ok(())
}

/// What stopped the replay last, if it has not gone through since.
pub fn read(conn: &Connection) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    conn.query_row(
        "SELECT substr(item, ?1 + 1) FROM main._migration_progress WHERE substr(item, 1, ?1) = ?2",
        rusqlite::params![ITEM.len() as i64, ITEM],
        |r| r.get(0),
    )
    .optional()
    .ctx(|| "reading why the replay stopped".into())
}
