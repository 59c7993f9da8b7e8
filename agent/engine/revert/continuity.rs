//! Whether the new database's reverse log still continues what the old
//! database applied. With every batch reverse replay records on the old
//! database a print of the last entry it carried back (`_mig_revert_tip`:
//! its seq, table, op, time and key); a new database restored from a
//! backup (or replaced) during the window has a log that ends before that
//! entry, or holds another write under its seq. Either way the writes
//! after the checkpoint would be skipped, so the window is broken: status
//! says so, reverse replay and `revert` refuse before writing anything.

use rusqlite::{Connection, OptionalExtension};

use super::window::LOG;
use crate::engine::catalog::q;
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::record::has_table;

/// The old database's record of the last entry carried back.
pub const TIP: &str = "_mig_revert_tip";

/// One reverse log entry, as text: equal only for the same write.
const PRINT: &str = "tbl || '|' || op || '|' || printf('%.17g', at) || '|' || quote(k0)";

/// What the old side recorded: the entry at its checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tip {
    pub seq: u64,
    pub print: String,
}

/// Creates the tip record, inside the caller's transaction on the old
/// database.
pub fn create_in(tx: &Connection) -> Result<()> {
    tx.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS main.{TIP}(id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, print TEXT NOT NULL)"
    ))
    .ctx(|| "creating the revert window's bookkeeping".into())
}

/// Records entry `seq` of the attached new database's log (`new`) as the
/// tip, inside the caller's transaction on the old database (a window
/// opened before the tip existed records none).
pub fn record_in(tx: &Connection, seq: u64) -> Result<()> {
    if seq == 0 || !has_table(tx, "main", TIP)? {
        return Ok(());
    }
    tx.execute(
        &format!("INSERT OR REPLACE INTO main.{TIP}(id, seq, print) SELECT 1, seq, {PRINT} FROM new.{LOG} WHERE seq = ?1"),
        [seq as i64],
    )
    .ctx(|| "recording the reverse checkpoint".into())?;
    Ok(())
}

/// The tip the old database (attached as `schema`) recorded, if any.
pub fn tip(conn: &Connection, schema: &str) -> Result<Option<Tip>> {
    if !has_table(conn, schema, TIP)? {
        return Ok(None);
    }
    conn.query_row(
        &format!("SELECT seq, print FROM {}.{TIP} WHERE id = 1", q(schema)),
        [],
        |r| {
            Ok(Tip {
                seq: r.get::<_, i64>(0)?.max(0) as u64,
                print: r.get(1)?,
            })
        },
    )
    .optional()
    .ctx(|| "reading the reverse checkpoint".into())
}

/// The print of entry `seq` of the reverse log in `schema` (the new
/// database), if it holds one.
pub fn print_at(conn: &Connection, schema: &str, seq: u64) -> Result<Option<String>> {
    if !has_table(conn, schema, LOG)? {
        return Ok(None);
    }
    conn.query_row(
        &format!("SELECT {PRINT} FROM {}.{LOG} WHERE seq = ?1", q(schema)),
        [seq as i64],
        |r| r.get(0),
    )
    .optional()
    .ctx(|| "reading the reverse log".into())
}

/// What the two sides say about the log.
#[derive(Debug, Clone)]
pub struct Sides<'a> {
    /// The old database's reverse checkpoint.
    pub checkpoint: u64,
    pub tip: Option<&'a Tip>,
    /// The new log's newest entry.
    pub log_max: u64,
    /// The new log's print at the tip's seq.
    pub print_at_tip: Option<&'a str>,
}

/// The one line saying the window is broken (`None`: the log continues).
pub fn broken(s: &Sides<'_>, new: &str, old: &str) -> Option<String> {
    let what = if s.log_max < s.checkpoint {
        format!("its reverse log ends at entry {}", s.log_max)
    } else {
        let tip = s.tip.filter(|t| t.seq <= s.log_max)?;
        if s.print_at_tip == Some(tip.print.as_str()) {
            return None;
        }
        format!("its reverse log holds another write at entry {}", tip.seq)
    };
    Some(format!(
        "the revert window of {new} is broken: {what}, but {old} has already carried back every entry up to {}; {new} no longer continues what {old} applied (it was restored from a backup or replaced during the window), so the writes after that point cannot be carried back: nothing was changed; `mig finalize` closes the window and stays on {new} ({old} keeps what was carried back before, for recovery by hand)",
        s.checkpoint
    ))
}

/// Inside a reverse replay transaction on the old database (`new`
/// attached): refuses a log that no longer continues the checkpoint.
pub fn check_in(tx: &Connection, checkpoint: u64, log_max: u64) -> Result<()> {
    let tip = tip(tx, "main")?;
    let print = match &tip {
        Some(t) => print_at(tx, "new", t.seq)?,
        None => None,
    };
    let sides = Sides {
        checkpoint,
        tip: tip.as_ref(),
        log_max,
        print_at_tip: print.as_deref(),
    };
    match broken(&sides, "the new database", "the old database") {
        Some(m) => Err(EngineError::Drift(m)),
        None => Ok(()),
    }
}
