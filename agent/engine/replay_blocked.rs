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
use super::plan::quoted::{Disclosure, QuotedText};
use super::plan::Plan;

/// The `_migration_progress` item prefix: the rest of the item is the line
/// saying what to fix, `n` the rows that break a constraint.
const ITEM: &str = "replay-blocked:";

/// The same line without the old keys, for an agent's viewers.
const COUNTS_ITEM: &str = "replay-blocked-counts:";

/// Where a viewer's line sends them for the keys.
const WITHHELD: &str =
    "the old keys are withheld from viewers; an operator's `mig status` shows them";

/// Why the last replay batch stopped, as recorded: the line naming the old
/// keys (for whoever must fix those rows) and the same line with counts
/// only (for an agent's viewers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    pub keys: String,
    pub counts: String,
}

impl Blocked {
    /// The line `d` may read.
    pub fn for_caller(&self, d: Disclosure) -> &str {
        match d {
            Disclosure::Values => &self.keys,
            Disclosure::CountsOnly => &self.counts,
        }
    }
}

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
        return EngineError::RowsBlock(format!(
            "replay stopped: {e}; a row written to the old database since the copy breaks the new schema; {FIX}"
        ).into());
    }
    let rows: u64 = found.iter().map(|c| c.rows).sum();
    let text = |d| {
        let named: Vec<String> = found.iter().map(|c| line(c, d)).collect();
        format!("{}: {}", broken(rows), named.join("; "))
    };
    let blocked = Blocked {
        keys: text(Disclosure::Values),
        counts: format!("{} ({WITHHELD})", text(Disclosure::CountsOnly)),
    };
    if let Err(recording) = record(conn, &blocked, rows) {
        return recording;
    }
    let said = |line: &str| format!("replay stopped: {line}; {FIX}");
    EngineError::RowsBlock(QuotedText::rows(said(&blocked.keys), said(&blocked.counts)))
}

/// `3 rows written to the old database break the new schema`.
fn broken(rows: u64) -> String {
    format!(
        "{rows} row{} written to the old database break{} the new schema",
        if rows == 1 { "" } else { "s" },
        if rows == 1 { "s" } else { "" }
    )
}

/// `3 rows of old table Country break NOT NULL(iso2) of country (old keys:
/// 7, 9, 12)`; without the keys for a viewer.
fn line(c: &Checked, d: Disclosure) -> String {
    let keys = match d {
        Disclosure::Values => format!(" (old keys: {})", c.examples.text()),
        Disclosure::CountsOnly => String::new(),
    };
    format!(
        "{} row{} of old table {} break{} {} of {}{keys}",
        c.rows,
        if c.rows == 1 { "" } else { "s" },
        c.old_table,
        if c.rows == 1 { "s" } else { "" },
        c.constraint,
        c.table,
    )
}

fn record(conn: &mut Connection, blocked: &Blocked, rows: u64) -> Result<()> {
    let ctx = || "recording why the replay stopped".to_string();
    let tx = lock::begin_immediate(conn).ctx(ctx)?;
    clear(&tx)?;
    for (prefix, text) in [(ITEM, &blocked.keys), (COUNTS_ITEM, &blocked.counts)] {
        tx.execute(
            "INSERT INTO main._migration_progress(item, done, n, updated_at) VALUES (?1, 1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
            rusqlite::params![format!("{prefix}{text}"), rows as i64],
        )
        .ctx(ctx)?;
    }
    tx.commit().ctx(ctx)
}

/// Forgets a stopped replay (inside the transaction of a batch that went
/// through).
pub fn clear(conn: &Connection) -> Result<()> {
    for prefix in [ITEM, COUNTS_ITEM] {
        conn.execute(
            "DELETE FROM main._migration_progress WHERE substr(item, 1, ?1) = ?2",
            rusqlite::params![prefix.len() as i64, prefix],
        )
        .ctx(|| "clearing a stopped replay".into())?;
    }
    Ok(())
}

/// What stopped the replay last, if it has not gone through since.
pub fn read(conn: &Connection) -> Result<Option<Blocked>> {
    use rusqlite::OptionalExtension;
    let ctx = || "reading why the replay stopped".to_string();
    let item = |prefix: &str| {
        conn.query_row(
            "SELECT substr(item, ?1 + 1), n FROM main._migration_progress WHERE substr(item, 1, ?1) = ?2",
            rusqlite::params![prefix.len() as i64, prefix],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
        )
        .optional()
        .ctx(ctx)
    };
    let Some((keys, rows)) = item(ITEM)? else {
        return Ok(None);
    };
    // Recorded by a mig that kept one line only: a viewer gets the count.
    let counts = match item(COUNTS_ITEM)? {
        Some((counts, _)) => counts,
        None => format!("{} ({WITHHELD})", broken(rows.max(0) as u64)),
    };
    Ok(Some(Blocked { keys, counts }))
}
