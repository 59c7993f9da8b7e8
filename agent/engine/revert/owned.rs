//! The old database's tables revert does not carry back, for its report:
//! tables left to their owner by the migration (`ignore_tables`, recorded
//! with it) and virtual tables (an FTS index: mig cannot record them).
//! Rows the new service wrote to their counterparts in the window stay in
//! the new database only, and an index over a carried-back table (an FTS
//! index over `events`) lacks the window's rows: their owner rebuilds them
//! (docs/revert.md, "Left out"). A virtual table's shadow tables are named
//! through it; the built-in owners' tables (Litestream's, `sqlite_stat*`)
//! are not the service's data and are not named.

use rusqlite::Connection;

use crate::engine::catalog::schema_rows;
use crate::engine::error::Result;
use crate::engine::owners::{built_in_owner, LeftToOwner};

/// The old database's (`main` on `conn`) tables left to their owner or
/// virtual, in catalog order.
pub fn not_carried_back(conn: &Connection, left: &LeftToOwner) -> Result<Vec<String>> {
    let rows = schema_rows(
        conn,
        "SELECT name, CASE WHEN sql LIKE 'CREATE VIRTUAL TABLE%' THEN 'virtual' ELSE 'table' END, '' \
         FROM main.sqlite_schema WHERE type = 'table' ORDER BY rowid",
        "listing the tables revert leaves to their owner",
    )?;
    let virtuals: Vec<String> = rows
        .iter()
        .filter(|(_, kind, _)| kind == "virtual")
        .map(|(name, _, _)| format!("{}_", name.to_ascii_lowercase()))
        .collect();
    let shadow = |name: &str| {
        let lower = name.to_ascii_lowercase();
        virtuals.iter().any(|v| lower.starts_with(v.as_str()))
    };
    Ok(rows
        .into_iter()
        .filter(|(name, kind, _)| {
            kind == "virtual"
                || (!shadow(name) && built_in_owner(name).is_none() && left.contains(name))
        })
        .map(|(name, _, _)| name)
        .collect())
}
