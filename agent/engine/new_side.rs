//! The new side: mig's own tables in the new database: `_migration_status` (the new service's
//! readiness gate), `_schema_identity` (what built this file and from where),
//! and `_migration_progress` (copy cursors and the replay checkpoint). The
//! id mappings of renumbered tables are `mapping.rs`'s.
//!
//! Every progress write happens in the same transaction as the rows it
//! describes, so a crash can never leave them disagreeing.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

use super::catalog::q;
use super::error::{EngineError, Result, SqlContext};
use super::record::has_table;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrationStatus {
    Migrating,
    Ready,
    /// A revert window carried every write back to the old database, which
    /// serves again; this file is kept as a record and refuses writes.
    Reverted,
}

#[derive(Debug, Clone)]
pub struct Identity {
    pub schema_hash: String,
    pub migration_id: String,
    pub old_path: String,
    pub schema_file: String,
    pub schema_sql: String,
    pub label: String,
    pub created_at: String,
}

/// Creates mig's tables in a new database, inside the caller's transaction.
pub fn create(conn: &Connection, key_width: usize, id: &Identity) -> Result<()> {
    let keys: Vec<String> = (0..key_width).map(|i| format!("k{i}")).collect();
    conn.execute_batch(&format!(
        "CREATE TABLE _migration_status(\n  id INTEGER PRIMARY KEY CHECK (id = 1),\n  status TEXT NOT NULL CHECK (status IN ('migrating', 'ready', 'reverted')),\n  updated_at TEXT NOT NULL\n);\n\
         INSERT INTO _migration_status VALUES (1, 'migrating', strftime('%Y-%m-%dT%H:%M:%fZ','now'));\n\
         CREATE TABLE _schema_identity(\n  id INTEGER PRIMARY KEY CHECK (id = 1),\n  schema_hash TEXT NOT NULL,\n  migration_id TEXT NOT NULL,\n  old_path TEXT NOT NULL,\n  schema_file TEXT NOT NULL,\n  schema_sql TEXT NOT NULL,\n  label TEXT NOT NULL,\n  created_at TEXT NOT NULL,\n  ready_at TEXT,\n  mig_version TEXT NOT NULL\n);\n\
         CREATE TABLE _migration_progress(item TEXT PRIMARY KEY, done INTEGER NOT NULL DEFAULT 0, n INTEGER NOT NULL DEFAULT 0, {cols}, updated_at TEXT);",
        cols = keys.join(", "),
    ))
    .ctx(|| "creating mig's tables in the new database".into())?;
    conn.execute(
        "INSERT INTO _schema_identity(id, schema_hash, migration_id, old_path, schema_file, schema_sql, label, created_at, mig_version) \
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        rusqlite::params![
            id.schema_hash,
            id.migration_id,
            id.old_path,
            id.schema_file,
            id.schema_sql,
            id.label,
            id.created_at,
            env!("CARGO_PKG_VERSION")
        ],
    )
    .ctx(|| "writing _schema_identity".into())?;
    Ok(())
}

pub fn read_status(conn: &Connection, schema: &str) -> Result<Option<MigrationStatus>> {
    if !has_table(conn, schema, "_migration_status")? {
        return Ok(None);
    }
    let s: Option<String> = conn
        .query_row(
            &format!(
                "SELECT status FROM {}._migration_status WHERE id = 1",
                q(schema)
            ),
            [],
            |r| r.get(0),
        )
        .optional()
        .ctx(|| "reading _migration_status".into())?;
    match s.as_deref() {
        Some("migrating") => Ok(Some(MigrationStatus::Migrating)),
        Some("ready") => Ok(Some(MigrationStatus::Ready)),
        Some("reverted") => Ok(Some(MigrationStatus::Reverted)),
        None => Ok(None),
        Some(other) => Err(EngineError::Drift(format!(
            "_migration_status holds {other:?}, which mig never writes; the new database was edited by hand"
        ))),
    }
}

/// Marks the new database reverted, inside the caller's transaction,
/// widening `_migration_status`'s CHECK first when an older mig created it.
pub fn set_reverted_in(tx: &Connection) -> Result<()> {
    let sql: String = tx
        .query_row(
            "SELECT sql FROM main.sqlite_schema WHERE name = '_migration_status'",
            [],
            |r| r.get(0),
        )
        .ctx(|| "reading _migration_status".into())?;
    if !sql.contains("'reverted'") {
        let widened = sql.replacen(
            "CHECK (status IN ('migrating', 'ready'))",
            "CHECK (status IN ('migrating', 'ready', 'reverted'))",
            1,
        );
        tx.execute_batch(&format!(
            "ALTER TABLE _migration_status RENAME TO _migration_status_old;\n{};\nINSERT INTO _migration_status SELECT * FROM _migration_status_old;\nDROP TABLE _migration_status_old;",
            widened.replacen("_migration_status", "\"_migration_status\"", 1)
        ))
        .ctx(|| "widening _migration_status".into())?;
    }
    tx.execute(
        "UPDATE _migration_status SET status = 'reverted', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = 1",
        [],
    )
    .ctx(|| "marking the new database reverted".into())?;
    Ok(())
}

/// The file at `path` is a new database a migration made (it carries mig's
/// identity). `false` for any other file, including one SQLite cannot read.
pub fn made_by_mig(path: &Path, busy: super::open::Busy) -> bool {
    super::open::new_ro(path, busy)
        .and_then(|conn| read_identity(&conn, "main"))
        .is_ok_and(|identity| identity.is_some())
}

pub fn read_identity(conn: &Connection, schema: &str) -> Result<Option<Identity>> {
    if !has_table(conn, schema, "_schema_identity")? {
        return Ok(None);
    }
    conn.query_row(
        &format!(
            "SELECT schema_hash, migration_id, old_path, schema_file, schema_sql, label, created_at FROM {}._schema_identity WHERE id = 1",
            q(schema)
        ),
        [],
        |r| {
            Ok(Identity {
                schema_hash: r.get(0)?,
                migration_id: r.get(1)?,
                old_path: r.get(2)?,
                schema_file: r.get(3)?,
                schema_sql: r.get(4)?,
                label: r.get(5)?,
                created_at: r.get(6)?,
            })
        },
    )
    .optional()
    .ctx(|| "reading _schema_identity".into())
}

/// One `_migration_progress` row.
#[derive(Debug, Clone, Default)]
pub struct Item {
    pub done: bool,
    pub n: u64,
    /// The key cursor (copy items only).
    pub cursor: Vec<rusqlite::types::Value>,
}

pub fn get(conn: &Connection, item: &str, key_width: usize) -> Result<Option<Item>> {
    let mut cols = vec!["done".to_string(), "n".to_string()];
    cols.extend((0..key_width).map(|i| format!("k{i}")));
    conn.query_row(
        &format!(
            "SELECT {} FROM main._migration_progress WHERE item = ?1",
            cols.join(", ")
        ),
        [item],
        |r| {
            let mut cursor = Vec::with_capacity(key_width);
            for i in 0..key_width {
                cursor.push(r.get::<_, rusqlite::types::Value>(2 + i)?);
            }
            Ok(Item {
                done: r.get(0)?,
                n: r.get::<_, i64>(1)?.max(0) as u64,
                cursor,
            })
        },
    )
    .optional()
    .ctx(|| format!("reading progress of {item}"))
}

pub fn put(conn: &Connection, item: &str, value: &Item) -> Result<()> {
    let keys: Vec<String> = (0..value.cursor.len()).map(|i| format!("k{i}")).collect();
    let mut cols = vec![
        "item".to_string(),
        "done".into(),
        "n".into(),
        "updated_at".into(),
    ];
    cols.extend(keys.iter().cloned());
    let mut marks = vec![
        "?1".to_string(),
        "?2".into(),
        "?3".into(),
        "strftime('%Y-%m-%dT%H:%M:%fZ','now')".into(),
    ];
    marks.extend((0..keys.len()).map(|i| format!("?{}", 4 + i)));
    let mut params: Vec<rusqlite::types::Value> = vec![
        item.to_string().into(),
        (value.done as i64).into(),
        (value.n as i64).into(),
    ];
    params.extend(value.cursor.iter().cloned());
    conn.execute(
        &format!(
            "INSERT OR REPLACE INTO main._migration_progress({}) VALUES ({})",
            cols.join(", "),
            marks.join(", ")
        ),
        rusqlite::params_from_iter(params),
    )
    .ctx(|| format!("recording progress of {item}"))?;
    Ok(())
}

/// The replay checkpoint: every log entry up to it is applied.
pub fn checkpoint(conn: &Connection) -> Result<u64> {
    Ok(get(conn, "replay", 0)?.map(|i| i.n).unwrap_or(0))
}

pub fn set_checkpoint(conn: &Connection, seq: u64) -> Result<()> {
    put(
        conn,
        "replay",
        &Item {
            done: false,
            n: seq,
            cursor: Vec::new(),
        },
    )
}

pub fn set_flag(conn: &Connection, item: &str, n: u64) -> Result<()> {
    put(
        conn,
        item,
        &Item {
            done: true,
            n,
            cursor: Vec::new(),
        },
    )
}

pub fn clear(conn: &Connection, item: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM main._migration_progress WHERE item = ?1",
        [item],
    )
    .ctx(|| format!("clearing progress of {item}"))?;
    Ok(())
}

pub fn count_rows(conn: &Connection, schema: &str, table: &str) -> Result<Option<u64>> {
    if !has_table(conn, schema, table)? {
        return Ok(None);
    }
    let n: i64 = conn
        .query_row(
            &format!("SELECT count(*) FROM {}.{}", q(schema), q(table)),
            [],
            |r| r.get(0),
        )
        .ctx(|| format!("counting {table}"))?;
    Ok(Some(n.max(0) as u64))
}
