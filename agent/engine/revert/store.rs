//! The revert window's bookkeeping on the old database, written in the
//! same transactions as the rows reverse replay writes there: the
//! checkpoint (every reverse log entry up to it is applied), the rows the
//! old schema refused (conflicts), and the revert maps (new key → old key)
//! of tables whose old key the new row does not determine.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};

use super::inverse::{Inverse, KeySource, TableInverse};
use crate::engine::catalog::q;
use crate::engine::error::{Result, SqlContext};
use crate::engine::record::has_table;

pub const CHECKPOINT: &str = "_mig_revert_checkpoint";
pub const CONFLICTS: &str = "_mig_revert_conflict";

/// A reverse row the old schema refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// The new table.
    pub table: String,
    /// The new key, rendered with `quote()`.
    pub key: String,
    /// SQLite's message (which constraint).
    pub error: String,
    pub key_values: Vec<Value>,
}

/// Creates the bookkeeping and seeds the revert maps, inside the caller's
/// transaction on the old database (`main`, the new one attached as `new`).
pub fn create_in(tx: &Connection, inv: &Inverse) -> Result<()> {
    let w = inv.key_width;
    let keys: Vec<String> = (0..w).map(|i| format!("k{i}")).collect();
    tx.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS main.{CHECKPOINT}(id INTEGER PRIMARY KEY CHECK (id = 1), checkpoint INTEGER NOT NULL, verified_at INTEGER, updated_at TEXT NOT NULL);\n\
         INSERT OR IGNORE INTO main.{CHECKPOINT} VALUES (1, 0, NULL, strftime('%Y-%m-%dT%H:%M:%fZ','now'));\n\
         CREATE TABLE IF NOT EXISTS main.{CONFLICTS}(tbl TEXT NOT NULL, {}, key TEXT NOT NULL, error TEXT NOT NULL, at TEXT NOT NULL);",
        keys.join(", ")
    ))
    .ctx(|| "creating the revert window's bookkeeping".into())?;
    super::continuity::create_in(tx)?;
    for t in inv
        .tables
        .iter()
        .filter(|t| matches!(t.key, KeySource::Mapped { .. }))
    {
        create_map(tx, t)?;
    }
    super::seed::drop_note_in(tx)
}

/// Creates `t`'s revert map (empty) if it does not exist.
pub(super) fn create_map_table(tx: &Connection, t: &TableInverse) -> Result<()> {
    let n: Vec<String> = (0..t.new_key.width()).map(|i| format!("n{i}")).collect();
    let o: Vec<String> = (0..t.old_key.width()).map(|i| format!("o{i}")).collect();
    tx.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS main.{}({}, {}, PRIMARY KEY ({})) WITHOUT ROWID",
        q(&t.map_table()),
        n.join(", "),
        o.join(", "),
        n.join(", ")
    ))
    .ctx(|| format!("creating the revert map of {}", t.old_table))
}

/// `t`'s map, complete: what replay added since the seeding ahead of the
/// lock, or (no seeding this migration vouches for) dropped and seeded in
/// full: every old key the forward copy gave a new rowid (references to
/// missing parents included), when the new key is that rowid, then the
/// old keys the new rows carry.
fn create_map(tx: &Connection, t: &TableInverse) -> Result<()> {
    if super::seed_delta::complete_in(tx, t)? {
        return Ok(());
    }
    tx.execute_batch(&format!("DROP TABLE IF EXISTS main.{}", q(&t.map_table())))
        .ctx(|| {
            format!(
                "dropping the revert map of {} (not seeded by this migration)",
                t.old_table
            )
        })?;
    create_map_table(tx, t)?;
    super::seed::copy_id_map_in(tx, t, "1")?;
    super::seed::copy_natural_in(tx, t, "1")?;
    Ok(())
}

/// The reverse checkpoint and the checkpoint a reverse verify certified
/// (`None` without bookkeeping).
pub fn checkpoint(conn: &Connection, schema: &str) -> Result<Option<(u64, Option<u64>)>> {
    if !has_table(conn, schema, CHECKPOINT)? {
        return Ok(None);
    }
    conn.query_row(
        &format!(
            "SELECT checkpoint, verified_at FROM {}.{CHECKPOINT} WHERE id = 1",
            q(schema)
        ),
        [],
        |r| {
            Ok((
                r.get::<_, i64>(0)?.max(0) as u64,
                r.get::<_, Option<i64>>(1)?.map(|v| v.max(0) as u64),
            ))
        },
    )
    .optional()
    .ctx(|| "reading the reverse checkpoint".into())
}

pub fn set_checkpoint(conn: &Connection, seq: u64) -> Result<()> {
    conn.execute(
        &format!("UPDATE main.{CHECKPOINT} SET checkpoint = ?1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = 1"),
        [seq as i64],
    )
    .ctx(|| "recording the reverse checkpoint".into())?;
    Ok(())
}

/// Records that old = inverse(new) was verified at reverse checkpoint `seq`.
pub fn set_verified(conn: &Connection, seq: Option<u64>) -> Result<()> {
    conn.execute(
        &format!("UPDATE main.{CHECKPOINT} SET verified_at = ?1 WHERE id = 1"),
        [seq.map(|s| s as i64)],
    )
    .ctx(|| "recording the reverse verification".into())?;
    Ok(())
}

/// Conflicts recorded on the old database (attached as `schema`).
pub fn conflicts(conn: &Connection, schema: &str, width: usize) -> Result<Vec<Conflict>> {
    if !has_table(conn, schema, CONFLICTS)? {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = (0..width).map(|i| format!("k{i}")).collect();
    let mut stmt = conn
        .prepare(&format!(
            "SELECT tbl, key, error, {} FROM {}.{CONFLICTS} ORDER BY tbl, key",
            keys.join(", "),
            q(schema)
        ))
        .ctx(|| "reading revert conflicts".into())?;
    let rows = stmt
        .query_map([], |r| {
            let mut key_values = Vec::with_capacity(width);
            for i in 0..width {
                key_values.push(r.get::<_, Value>(3 + i)?);
            }
            Ok(Conflict {
                table: r.get(0)?,
                key: r.get(1)?,
                error: r.get(2)?,
                key_values,
            })
        })
        .ctx(|| "reading revert conflicts".into())?
        .collect::<std::result::Result<Vec<_>, _>>()
        .ctx(|| "reading revert conflicts".into())?;
    Ok(rows)
}

/// Number of conflicts (0 without the table); any key width.
pub fn conflict_count(conn: &Connection, schema: &str) -> Result<u64> {
    if !has_table(conn, schema, CONFLICTS)? {
        return Ok(0);
    }
    let n: i64 = conn
        .query_row(
            &format!("SELECT count(*) FROM {}.{CONFLICTS}", q(schema)),
            [],
            |r| r.get(0),
        )
        .ctx(|| "counting revert conflicts".into())?;
    Ok(n.max(0) as u64)
}

/// Drops the bookkeeping and the maps, inside the caller's transaction.
pub fn drop_in(tx: &Connection) -> Result<()> {
    drop_named_in(
        tx,
        &crate::engine::catalog::names_with_prefix(tx, "table", "_mig_revert_")?,
    )
}

/// Drops `tables`, the bookkeeping and maps present (as the caller listed
/// them), inside the caller's transaction.
pub fn drop_named_in(tx: &Connection, tables: &[String]) -> Result<()> {
    for n in tables {
        tx.execute_batch(&format!("DROP TABLE main.{}", q(n)))
            .ctx(|| format!("dropping {n}"))?;
    }
    Ok(())
}
