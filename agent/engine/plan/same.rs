//! Whether the target schema is the old database's own: nothing to migrate.
//!
//! Compared on what SQLite compiled, never on the schema file's text: a
//! `sqlite3 .schema` dump of the old database differs from its catalog
//! (`CREATE TABLE IF NOT EXISTS`, `'quoted'` names, `CREATE TABLE
//! sqlite_sequence`, whitespace), and SQLite drops `IF NOT EXISTS` when it
//! stores a statement. Each table, index, view and trigger of the target
//! (`main`) and of the old database (`old`) is taken from its catalog with
//! its stored SQL normalised (`lexer::normalize`: comments, whitespace,
//! identifier quoting and case set aside); the two sets must be equal, and
//! the plan must copy every column of every table unchanged under its own
//! name with its keys kept (a `mig:` directive that computes or renames a
//! column is a migration even on the same schema). Anything else, a CHECK
//! or a collation included, is a difference: the check errs towards "not
//! the same", which only leaves out a warning.

use std::collections::BTreeSet;

use rusqlite::Connection;

use super::{ColumnSource, KeyMode, TablePlan};
use crate::engine::catalog::{is_internal, schema_rows};
use crate::engine::error::Result;
use crate::engine::owners::LeftToOwner;
use crate::engine::schema::lexer;

/// The line `plan` and `migrate` show when there is nothing to migrate.
pub const SAME_SCHEMA: &str = "the schema file describes the old database's own schema (the same tables, columns, indexes, views and triggers): there is nothing to migrate; check that --schema names the new schema, or pass --allow-same-schema to `migrate` to rebuild the database as it is (a compacted copy)";

/// True when the target schema and the plan leave the old database as it
/// is (see the module doc).
pub(super) fn same_as_old(
    conn: &Connection,
    tables: &[TablePlan],
    left: &LeftToOwner,
) -> Result<bool> {
    if !tables.iter().all(unchanged) {
        return Ok(false);
    }
    Ok(objects(conn, "main", left)? == objects(conn, "old", left)?)
}

/// A table copied as it is: from the old table of its name, keys kept,
/// every column copied from the old column of its name (or generated).
fn unchanged(t: &TablePlan) -> bool {
    t.source
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case(&t.name))
        && t.key_mode == KeyMode::Preserved
        && t.columns.iter().all(|c| match &c.source {
            ColumnSource::Copy(from) => from.name.eq_ignore_ascii_case(&c.name),
            ColumnSource::Generated => true,
            _ => false,
        })
}

/// `(type, name, table, normalised SQL)` of every object of `schema` the
/// migration covers: mig's own objects, SQLite's internal ones (automatic
/// indexes have no SQL), a virtual table's shadow tables (its module's
/// storage: Roundup's FTS5 index) and the tables left to their owner are
/// not.
fn objects(
    conn: &Connection,
    schema: &str,
    left: &LeftToOwner,
) -> Result<BTreeSet<(String, String, String)>> {
    let rows = schema_rows(
        conn,
        &format!(
            "SELECT type || ' ' || lower(name), lower(tbl_name), sql FROM {schema}.sqlite_schema \
             WHERE sql IS NOT NULL"
        ),
        &format!("reading the catalog of {schema}"),
    )?;
    let shadow: BTreeSet<String> = schema_rows(
        conn,
        &format!(
            "SELECT lower(name), type, schema FROM pragma_table_list \
             WHERE schema = '{schema}' AND type = 'shadow'"
        ),
        &format!("listing the shadow tables of {schema}"),
    )?
    .into_iter()
    .map(|(name, _, _)| name)
    .collect();
    Ok(rows
        .into_iter()
        .filter(|(_, table, _)| {
            !is_internal(table) && !left.contains(table) && !shadow.contains(table)
        })
        .filter(|(kind, _, _)| {
            let name = kind.split_once(' ').map_or("", |(_, n)| n);
            !is_internal(name)
        })
        .map(|(kind, table, sql)| (kind, table, lexer::normalize(&sql)))
        .collect())
}
