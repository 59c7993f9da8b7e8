//! A table of the service's own under a name mig records with
//! (`_migration_log`, `_migration_marker`): told apart from mig's by its
//! columns and refused with one line before mig reads or writes it, where
//! it used to surface as SQLite's "no such column: seq".

use rusqlite::Connection;

use crate::engine::catalog::q;
use crate::engine::error::{EngineError, Result, SqlContext};

/// mig's tables on the old database and a column each always has.
const OWN: [(&str, &[&str]); 2] = [
    ("_migration_log", &["seq", "tbl", "op", "at"]),
    (
        "_migration_marker",
        &["status", "migration_id", "new_path", "catalog"],
    ),
];

/// Refuses an old database holding one of mig's table names with other
/// columns: mig would take the service's rows for its own records.
pub fn refuse_foreign(conn: &Connection, schema: &str) -> Result<()> {
    for (table, columns) in OWN {
        let sql = format!(
            "SELECT name FROM pragma_table_info(?1, {})",
            sql_string(schema)
        );
        let mut stmt = conn
            .prepare(&sql)
            .ctx(|| format!("reading the columns of {table}"))?;
        let have = stmt
            .query_map([table], |r| r.get::<_, String>(0))
            .and_then(Iterator::collect::<rusqlite::Result<Vec<String>>>)
            .ctx(|| format!("reading the columns of {table}"))?;
        if have.is_empty() {
            continue;
        }
        if let Some(missing) = columns.iter().find(|c| !have.iter().any(|h| h == *c)) {
            return Err(EngineError::Precondition(format!(
                "the old database has a table {table} of its own (it has no column {missing}): mig keeps its records under that name; rename the service's table (`ALTER TABLE {} RENAME TO …`, with the service stopped) before migrating",
                q(table)
            )));
        }
    }
    Ok(())
}

/// `schema` as an SQL string literal (the pragma takes the schema's name).
fn sql_string(schema: &str) -> String {
    format!("'{}'", schema.replace('\'', "''"))
}
