//! A NOT NULL column's DEFAULT that SQLite accepts at `CREATE` but cannot
//! compile: a function it does not have, such as PostgreSQL's
//! `GEN_RANDOM_UUID()` in Prefect's `deployment_version.id`. SQLite compiles
//! such a DEFAULT into every `INSERT OR REPLACE` (a NULL in a NOT NULL
//! column is replaced by the DEFAULT), which is how mig copies and replays
//! rows: the copy would fail at that table, after recording had started.
//! Each one is refused here, before anything starts, with its position in
//! the schema file. A nullable column's DEFAULT is left alone: mig never
//! compiles it, and the service may register the function itself.

use rusqlite::Connection;

use super::{first_line, SchemaFile, StmtKind};
use crate::engine::catalog::lit;
use crate::engine::error::{EngineError, Result, SchemaPos, SqlContext};

/// Compiles the DEFAULT of every NOT NULL column of every table of `file`,
/// already applied to `conn` (the scratch database). Nothing is executed.
pub(super) fn check(file: &SchemaFile, conn: &Connection) -> Result<()> {
    for s in file.statements.iter().filter(|s| s.kind == StmtKind::Table) {
        for (column, default) in not_null_defaults(conn, &s.name)? {
            let Err(e) = conn.prepare(&format!("SELECT {default}")) else {
                continue;
            };
            let message = match e {
                rusqlite::Error::SqliteFailure(_, Some(m)) => m,
                e => e.to_string(),
            };
            return Err(EngineError::Schema {
                pos: SchemaPos {
                    file: file.file_name.clone(),
                    line: s.line,
                    column: s.column,
                },
                message: format!(
                    "column {column} of table {} has a DEFAULT SQLite cannot run: {default}: {message} (in `{}`); \
                     SQLite accepts it at CREATE, but mig's copy of a NOT NULL column compiles its DEFAULT, and so does \
                     every insert that leaves {column} out: give it a DEFAULT SQLite has (say lower(hex(randomblob(16)))) or none",
                    s.name,
                    first_line(&s.sql)
                ),
            });
        }
    }
    Ok(())
}

/// (column, DEFAULT text) of each NOT NULL column of `table` with a DEFAULT.
fn not_null_defaults(conn: &Connection, table: &str) -> Result<Vec<(String, String)>> {
    let ctx = || format!("reading the columns of {table}");
    let mut stmt = conn
        .prepare(&format!(
            "SELECT name, dflt_value FROM pragma_table_xinfo({}) \
             WHERE \"notnull\" AND dflt_value IS NOT NULL AND hidden = 0",
            lit(table)
        ))
        .ctx(ctx)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .ctx(ctx)?
        .collect::<rusqlite::Result<_>>()
        .ctx(ctx)?;
    Ok(rows)
}
