//! Revert's conflicts: the one line refusing rows the old schema does
//! not hold, and the discarded ones kept in the new database
//! (`--discard-conflicts`), which outlives the revert.

use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::lock;
use crate::engine::plan::quoted::{Disclosure, QuotedText, KEYS_WITHHELD};
use crate::engine::revert::store::Conflict;

/// Each discarded conflict, kept in the new database (which outlives the
/// revert) with the new row as it was.
pub(super) fn record_discards(
    new_conn: &rusqlite::Connection,
    conflicts: &[Conflict],
) -> Result<()> {
    if conflicts.is_empty() {
        return Ok(());
    }
    let tx = lock::begin_immediate(new_conn).ctx(|| "recording discarded rows".into())?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS main._mig_revert_discarded(tbl TEXT NOT NULL, key TEXT NOT NULL, error TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (tbl, key))",
    )
    .ctx(|| "recording discarded rows".into())?;
    for c in conflicts {
        tx.execute(
            "INSERT OR REPLACE INTO main._mig_revert_discarded VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
            [&c.table, &c.key, &c.error],
        )
        .ctx(|| "recording discarded rows".into())?;
    }
    tx.commit().ctx(|| "recording discarded rows".into())
}

/// The one line naming every refused row.
pub(super) fn refusal(conflicts: &[Conflict]) -> EngineError {
    let shown = |d| -> Vec<String> {
        let key = |c: &Conflict| match d {
            Disclosure::Values => c.key.clone(),
            Disclosure::CountsOnly => KEYS_WITHHELD.to_string(),
        };
        conflicts
            .iter()
            .take(5)
            .map(|c| format!("table {} key {} ({})", c.table, key(c), c.error))
            .collect()
    };
    let more = if conflicts.len() > 5 {
        format!(" and {} more", conflicts.len() - 5)
    } else {
        String::new()
    };
    let said = |d| {
        format!(
        "revert refused: {} row(s) of the new database do not fit the old schema: {}{more}; fix them in the new database (the fix is carried back), or pass --discard-conflicts to revert without them (each is recorded in the new database's _mig_revert_discarded)",
        conflicts.len(),
        shown(d).join("; ")
    )
    };
    EngineError::RowsBlock(QuotedText::rows(
        said(Disclosure::Values),
        said(Disclosure::CountsOnly),
    ))
}
