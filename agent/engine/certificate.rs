//! The certification of a migration, kept in the new database's
//! `_mig_certificate` (one row): that a full `verify` found every table equal
//! to the mapping of the old one at a log position, or that an operator
//! chose to go on without that proof (`--skip-verify`).
//!
//! The table outlives cutover (which drops `_migration_progress`), so
//! `status` can still say how the new database was cut over. It is created on
//! first write; a database without it is simply not certified. Why
//! certification stays valid while replay continues, and what ends it, is in
//! ARCHITECTURE.md ("Invariants").

use rusqlite::{Connection, OptionalExtension};

use super::catalog::q;
use super::error::{Result, SqlContext};
use super::record::has_table;

const TABLE: &str = "_mig_certificate";

/// A successful full verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The replay checkpoint the comparison ended at: from there on every
    /// change reaches the new database through replay.
    pub log_position: u64,
    /// UTC, ISO 8601.
    pub at: String,
    pub rows: u64,
    /// `verify` or `drain`.
    pub by: String,
}

/// What the new database records about its verification.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Certificate {
    /// Present only for the migration the new database belongs to.
    pub verified: Option<Verified>,
    /// When a drain ran with `--skip-verify`.
    pub drain_skipped_verify_at: Option<String>,
    /// When cutover ran without a verification (`--skip-verify`).
    pub cutover_skipped_verify_at: Option<String>,
}

impl Certificate {
    pub fn certified(&self) -> bool {
        self.verified.is_some()
    }
}

/// Which step went on without verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    Drain,
    Cutover,
}

impl Skipped {
    fn column(self) -> &'static str {
        match self {
            Skipped::Drain => "drain_skipped_verify_at",
            Skipped::Cutover => "cutover_skipped_verify_at",
        }
    }
}

/// Reads the certificate of `schema` for migration `migration_id`; a
/// verification recorded for another migration does not count.
pub fn read(conn: &Connection, schema: &str, migration_id: &str) -> Result<Certificate> {
    if !has_table(conn, schema, TABLE)? {
        return Ok(Certificate::default());
    }
    type Row = (
        String,
        Option<i64>,
        Option<String>,
        Option<i64>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = conn
        .query_row(
            &format!(
                "SELECT migration_id, verified_position, verified_at, verified_rows, verified_by, \
                 drain_skipped_verify_at, cutover_skipped_verify_at FROM {}.{TABLE} WHERE id = 1",
                q(schema)
            ),
            [],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )
        .optional()
        .ctx(|| format!("reading {TABLE}"))?;
    let Some((id, pos, at, rows, by, drain_skip, cutover_skip)) = row else {
        return Ok(Certificate::default());
    };
    if id != migration_id {
        return Ok(Certificate::default());
    }
    let verified = match (pos, at) {
        (Some(pos), Some(at)) => Some(Verified {
            log_position: pos.max(0) as u64,
            at,
            rows: rows.unwrap_or(0).max(0) as u64,
            by: by.unwrap_or_default(),
        }),
        _ => None,
    };
    Ok(Certificate {
        verified,
        drain_skipped_verify_at: drain_skip,
        cutover_skipped_verify_at: cutover_skip,
    })
}

/// Creates the table and its row for `migration_id` if missing (a row of
/// another migration is replaced). Inside the caller's transaction.
fn ensure(conn: &Connection, migration_id: &str) -> Result<()> {
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS main.{TABLE}(\n  id INTEGER PRIMARY KEY CHECK (id = 1),\n  migration_id TEXT NOT NULL,\n  \
         verified_position INTEGER,\n  verified_at TEXT,\n  verified_rows INTEGER,\n  verified_by TEXT,\n  \
         drain_skipped_verify_at TEXT,\n  cutover_skipped_verify_at TEXT\n)"
    ))
    .ctx(|| format!("creating {TABLE}"))?;
    conn.execute(
        &format!("DELETE FROM main.{TABLE} WHERE migration_id <> ?1"),
        [migration_id],
    )
    .ctx(|| format!("writing {TABLE}"))?;
    conn.execute(
        &format!("INSERT OR IGNORE INTO main.{TABLE}(id, migration_id) VALUES (1, ?1)"),
        [migration_id],
    )
    .ctx(|| format!("writing {TABLE}"))?;
    Ok(())
}

/// Records a successful full verification at `log_position`, inside the
/// caller's transaction (which must hold the new database's write lock, so
/// no replay moves the checkpoint meanwhile).
pub fn certify(
    conn: &Connection,
    migration_id: &str,
    log_position: u64,
    rows: u64,
    by: &str,
) -> Result<()> {
    ensure(conn, migration_id)?;
    conn.execute(
        &format!(
            "UPDATE main.{TABLE} SET verified_position = ?1, verified_rows = ?2, verified_by = ?3, \
             verified_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = 1"
        ),
        rusqlite::params![log_position as i64, rows as i64, by],
    )
    .ctx(|| format!("recording the verification in {TABLE}"))?;
    Ok(())
}

/// Withdraws a recorded verification (a later verify found a difference).
pub fn withdraw(conn: &Connection) -> Result<()> {
    if !has_table(conn, "main", TABLE)? {
        return Ok(());
    }
    conn.execute(
        &format!(
            "UPDATE main.{TABLE} SET verified_position = NULL, verified_at = NULL, \
             verified_rows = NULL, verified_by = NULL WHERE id = 1"
        ),
        [],
    )
    .ctx(|| format!("withdrawing the verification in {TABLE}"))?;
    Ok(())
}

/// Records that `step` went on without verification, inside the caller's
/// transaction.
pub fn record_skip(conn: &Connection, migration_id: &str, step: Skipped) -> Result<()> {
    ensure(conn, migration_id)?;
    conn.execute(
        &format!(
            "UPDATE main.{TABLE} SET {} = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = 1",
            step.column()
        ),
        [],
    )
    .ctx(|| format!("recording --skip-verify in {TABLE}"))?;
    Ok(())
}
