//! The revert window on the new database: `_mig_revert` (its state, when
//! it closes), the reverse log `_mig_revert_log` and the triggers
//! (`_mig_rev_*`) that record every write of the new service into it — the
//! forward recording's design, run the other way — and refuse writes once
//! a revert freezes the new database or has finished.

use std::time::Instant;

use rusqlite::{Connection, OptionalExtension};

use super::inverse::Inverse;
use crate::engine::catalog::{lit, q, Catalog};
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::plan::old_key;
use crate::engine::record::has_table;
use crate::engine::record::triggers::{trigger_sql, Logging, Recorder};

/// The reverse log's table.
pub const LOG: &str = "_mig_revert_log";
/// Prefix of the reverse recording triggers on the new database.
pub const PREFIX: &str = "_mig_rev_";

/// Where a window stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowState {
    /// The new service writes; its writes are recorded for a revert.
    Open,
    /// A revert froze the new database (its writes refused) and is carrying
    /// the tail back.
    Reverting,
    /// The old database serves again; the new one refuses writes.
    Reverted,
    /// Finalized (or the window ended): no revert any more.
    Closed,
}

impl WindowState {
    pub fn as_str(self) -> &'static str {
        match self {
            WindowState::Open => "open",
            WindowState::Reverting => "reverting",
            WindowState::Reverted => "reverted",
            WindowState::Closed => "closed",
        }
    }

    fn parse(s: &str) -> Result<WindowState> {
        Ok(match s {
            "open" => WindowState::Open,
            "reverting" => WindowState::Reverting,
            "reverted" => WindowState::Reverted,
            "closed" => WindowState::Closed,
            other => {
                return Err(EngineError::Drift(format!(
                    "_mig_revert holds state {other:?}, which mig never writes; the new database was edited by hand"
                )))
            }
        })
    }
}

/// What `_mig_revert` says.
#[derive(Debug, Clone)]
pub struct Window {
    pub state: WindowState,
    pub old_path: String,
    pub opened_at: String,
    /// When the window ends (UTC, ISO 8601).
    pub closes_at: String,
    pub window_secs: u64,
    /// Seconds until `closes_at` (negative once it has passed).
    pub seconds_left: f64,
    /// When a revert froze the new database.
    pub frozen_at: Option<String>,
    pub closed_at: Option<String>,
    /// `finalize`, `window end`, `cleanup-old` or `revert`.
    pub closed_by: Option<String>,
    /// The newest reverse log entry (0: none or no log).
    pub log_max: u64,
}

impl Window {
    pub fn expired(&self) -> bool {
        self.seconds_left <= 0.0
    }
}

/// What opening a window records.
#[derive(Debug, Clone)]
pub struct OpenSpec<'a> {
    pub window_secs: u64,
    pub old_path: &'a str,
    pub migration_id: &'a str,
}

fn messages(old_path: &str) -> (String, String) {
    (
        format!("database is being reverted by mig to the old database {old_path}: writes are refused until the revert finishes, then write to {old_path}"),
        format!("database was reverted by mig to the old database {old_path}: writes are refused here; write to {old_path}"),
    )
}

/// Creates the window's tables and triggers inside the cutover transaction
/// on the new database (`main`), so the first write the new service makes
/// is already recorded.
pub fn open_in(tx: &Connection, inv: &Inverse, spec: &OpenSpec<'_>) -> Result<()> {
    let w = inv.key_width;
    let keys: Vec<String> = (0..w).map(|i| format!("k{i}")).collect();
    let olds: Vec<String> = (0..w).map(|i| format!("o{i}")).collect();
    tx.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS _mig_revert(\n  id INTEGER PRIMARY KEY CHECK (id = 1),\n  state TEXT NOT NULL CHECK (state IN ('open', 'reverting', 'reverted', 'closed')),\n  migration_id TEXT NOT NULL,\n  old_path TEXT NOT NULL,\n  opened_at TEXT NOT NULL,\n  closes_at TEXT NOT NULL,\n  window_secs INTEGER NOT NULL,\n  frozen_at TEXT,\n  closed_at TEXT,\n  closed_by TEXT\n);\n\
         CREATE TABLE {LOG}(seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, op TEXT NOT NULL, at REAL NOT NULL, {}, {});",
        keys.join(", "),
        olds.join(", ")
    ))
    .ctx(|| "creating the revert window's tables".into())?;
    tx.execute(
        "INSERT OR REPLACE INTO _mig_revert(id, state, migration_id, old_path, opened_at, closes_at, window_secs) \
         VALUES (1, 'open', ?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ','now'), strftime('%Y-%m-%dT%H:%M:%fZ','now', '+' || ?3 || ' seconds'), ?3)",
        rusqlite::params![spec.migration_id, spec.old_path, spec.window_secs as i64],
    )
    .ctx(|| "opening the revert window".into())?;
    let (reverting, reverted) = messages(spec.old_path);
    let recorder = Recorder {
        log: LOG,
        guard: format!(
            "SELECT CASE (SELECT state FROM _mig_revert WHERE id = 1) WHEN 'open' THEN NULL WHEN 'reverting' THEN RAISE(ABORT, {}) ELSE RAISE(ABORT, {}) END;",
            lit(&reverting),
            lit(&reverted)
        ),
        prefix: PREFIX,
    };
    let cat = Catalog::read(tx, "main")?;
    for t in &cat.tables {
        // The key the inverse finds rows by (the rowid where the old table
        // is tracked by it).
        let (key, logging) = match inv.table(&t.name) {
            Some(ti) => (ti.new_key.clone(), Logging::Logged),
            None => (old_key(t), Logging::GuardOnly),
        };
        for sql in trigger_sql(t, &key, logging, &recorder) {
            tx.execute_batch(&sql)
                .ctx(|| format!("creating revert recording triggers on {}", t.name))?;
        }
    }
    Ok(())
}

/// Reads the window of the new database attached as `schema` (`None`: no
/// window was ever opened).
pub fn read(conn: &Connection, schema: &str) -> Result<Option<Window>> {
    if !has_table(conn, schema, "_mig_revert")? {
        return Ok(None);
    }
    let log_max = if has_table(conn, schema, LOG)? {
        conn.query_row(
            &format!("SELECT coalesce(max(seq), 0) FROM {}.{LOG}", q(schema)),
            [],
            |r| r.get::<_, i64>(0),
        )
        .ctx(|| "reading the reverse log".into())?
        .max(0) as u64
    } else {
        0
    };
    let row = conn
        .query_row(
            &format!(
                "SELECT state, old_path, opened_at, closes_at, window_secs, \
                 (julianday(closes_at) - julianday('now')) * 86400.0, frozen_at, closed_at, closed_by \
                 FROM {}._mig_revert WHERE id = 1",
                q(schema)
            ),
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<f64>>(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                ))
            },
        )
        .optional()
        .ctx(|| "reading _mig_revert".into())?;
    let Some((state, old_path, opened_at, closes_at, secs, left, frozen_at, closed_at, closed_by)) =
        row
    else {
        return Ok(None);
    };
    Ok(Some(Window {
        state: WindowState::parse(&state)?,
        old_path,
        opened_at,
        closes_at,
        window_secs: secs.max(0) as u64,
        seconds_left: left.unwrap_or(0.0),
        frozen_at,
        closed_at,
        closed_by,
        log_max,
    }))
}

/// Moves the window from `from` to `to` in a transaction of its own on the
/// new database (`conn`'s `main`); fails if it is not at `from`. Freezing
/// (`to` = reverting) records when. Returns when it took the write lock.
pub fn set_state(conn: &Connection, from: WindowState, to: WindowState) -> Result<Instant> {
    let what = || format!("switching the revert window to {}", to.as_str());
    let tx = crate::engine::lock::begin_immediate(conn).ctx(what)?;
    // Writes wait from here (the write lock) and are refused from the
    // commit: a freeze's refusal is timed from this instant.
    let locked = Instant::now();
    let frozen = if to == WindowState::Reverting {
        ", frozen_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')"
    } else {
        ""
    };
    let n = tx
        .execute(
            &format!("UPDATE main._mig_revert SET state = ?2{frozen} WHERE id = 1 AND state = ?1"),
            [from.as_str(), to.as_str()],
        )
        .ctx(what)?;
    if n != 1 {
        return Err(EngineError::Precondition(format!(
            "the revert window is no longer {}; another mig is working on it: check `mig status`",
            from.as_str()
        )));
    }
    tx.commit().ctx(what)?;
    Ok(locked)
}

/// Inside the caller's transaction on the new database: records how the
/// window ended. Closed: the reverse triggers and log are dropped (the new
/// service writes freely), the id mapping left to the caller's paced
/// removal after the commit (`ops::cutover::sweep_after_cutover`: a
/// mapping of a million rows dropped here held the service's writes).
/// Reverted: they stay, refusing every write (a reverted database stays
/// reverted), the log emptied and the mapping dropped.
pub fn end_in(tx: &Connection, to: WindowState, by: &str) -> Result<()> {
    if to == WindowState::Closed {
        for t in triggers(tx)? {
            tx.execute_batch(&format!("DROP TRIGGER main.{}", q(&t)))
                .ctx(|| format!("dropping trigger {t}"))?;
        }
        if has_table(tx, "main", LOG)? {
            tx.execute_batch(&format!("DROP TABLE main.{LOG}"))
                .ctx(|| "dropping the reverse log".into())?;
        }
    } else if has_table(tx, "main", LOG)? {
        tx.execute_batch(&format!("DELETE FROM main.{LOG}"))
            .ctx(|| "emptying the reverse log".into())?;
    }
    if to != WindowState::Closed {
        crate::engine::mapping::drop_all(tx)?;
    }
    tx.execute(
        "UPDATE main._mig_revert SET state = ?1, closed_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), closed_by = ?2 WHERE id = 1",
        [to.as_str(), by],
    )
    .ctx(|| "closing the revert window".into())?;
    Ok(())
}

/// The reverse recording triggers on the new database.
pub fn triggers(conn: &Connection) -> Result<Vec<String>> {
    crate::engine::catalog::names_with_prefix(conn, "trigger", "_mig_rev_")
}
