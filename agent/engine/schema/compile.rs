//! What SQLite accepts at `CREATE` but compiles only when used: a view's
//! query and a trigger's body. A view naming a column no table has, or a
//! trigger writing to a table that does not exist, would break the new
//! service at its first read or write after cutover (mig itself never runs
//! them: replay and copy write with triggers off). Each is compiled here, in
//! the scratch database that holds the target schema, and refused with its
//! position in the file.
//!
//! Nothing is executed: statements are only prepared, and the triggers set
//! aside to isolate one are restored by rolling back a savepoint.

use rusqlite::config::DbConfig;
use rusqlite::Connection;

use super::lexer::{self, Kind};
use super::{first_line, SchemaFile, Statement, StmtKind};
use crate::engine::catalog::q;
use crate::engine::error::{EngineError, Result, SchemaPos, SqlContext};

/// Functions and modules the service registers on its own connections
/// (`sqlite3_create_function`) are unknown here: not the schema's fault.
const NOT_OURS: [&str; 2] = ["no such function", "no such module"];

/// Compiles every view and trigger of `file`, already applied to `conn`
/// (the scratch database, whose triggers are off: they are compiled only
/// while on, and turned off again whatever happens).
pub(super) fn check(file: &SchemaFile, conn: &Connection) -> Result<()> {
    let triggers = |on| {
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, on)
            .ctx(|| "switching triggers for their compilation".into())
    };
    triggers(true)?;
    let checked = compile_each(file, conn);
    triggers(false)?;
    checked
}

fn compile_each(file: &SchemaFile, conn: &Connection) -> Result<()> {
    for s in &file.statements {
        let failed = match s.kind {
            StmtKind::View => prepare(conn, &format!("SELECT * FROM {}", q(&s.name))),
            StmtKind::Trigger => trigger(conn, s)?,
            _ => None,
        };
        if let Some(message) = failed.filter(|m| !NOT_OURS.iter().any(|n| m.starts_with(n))) {
            let what = if s.kind == StmtKind::View {
                "view"
            } else {
                "trigger"
            };
            return Err(EngineError::Schema {
                pos: SchemaPos {
                    file: file.file_name.clone(),
                    line: s.line,
                    column: s.column,
                },
                message: format!(
                    "{what} {} does not compile: {message} (in `{}`); SQLite accepts it at CREATE, the new service would fail when it {}",
                    s.name,
                    first_line(&s.sql),
                    if s.kind == StmtKind::View { "reads it" } else { "writes" }
                ),
            });
        }
    }
    Ok(())
}

/// SQLite's message when `sql` does not compile.
fn prepare(conn: &Connection, sql: &str) -> Option<String> {
    match conn.prepare(sql) {
        Ok(_) => None,
        Err(rusqlite::Error::SqliteFailure(_, Some(m))) => Some(m),
        Err(rusqlite::Error::SqlInputError { msg, .. }) => Some(msg),
        Err(e) => Some(e.to_string()),
    }
}

/// Compiles trigger `s` alone: the other triggers on its table are dropped
/// inside a savepoint, a write that fires it is prepared, and the savepoint
/// is rolled back.
fn trigger(conn: &Connection, s: &Statement) -> Result<Option<String>> {
    let ctx = || format!("compiling trigger {}", s.name);
    let (table, others): (String, Vec<String>) = {
        let table: String = conn
            .query_row(
                "SELECT tbl_name FROM sqlite_schema WHERE type = 'trigger' AND name = ?1",
                [&s.name],
                |r| r.get(0),
            )
            .ctx(ctx)?;
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ?1 AND name <> ?2")
            .ctx(ctx)?;
        let others = stmt
            .query_map([&table, &s.name], |r| r.get(0))
            .ctx(ctx)?
            .collect::<rusqlite::Result<_>>()
            .ctx(ctx)?;
        (table, others)
    };
    let Some(write) = firing_write(conn, s, &table)? else {
        return Ok(None);
    };
    conn.execute_batch("SAVEPOINT mig_compile").ctx(ctx)?;
    let mut failed = None;
    for other in &others {
        if let Err(e) = conn.execute_batch(&format!("DROP TRIGGER {}", q(other))) {
            failed = Some(e.to_string());
        }
    }
    let failed = failed.or_else(|| prepare(conn, &write));
    conn.execute_batch("ROLLBACK TO mig_compile; RELEASE mig_compile")
        .ctx(ctx)?;
    Ok(failed)
}

/// A write on `table` that fires trigger `s` (by its event), `None` when
/// the event cannot be read from the statement.
fn firing_write(conn: &Connection, s: &Statement, table: &str) -> Result<Option<String>> {
    let Ok(tokens) = lexer::tokenize(&s.sql) else {
        return Ok(None);
    };
    let event = tokens
        .iter()
        .filter(|t| t.kind == Kind::Word)
        .skip_while(|t| !t.is_word("TRIGGER"))
        .find(|t| t.is_word("DELETE") || t.is_word("INSERT") || t.is_word("UPDATE"));
    let t = q(table);
    Ok(match event {
        Some(e) if e.is_word("DELETE") => Some(format!("DELETE FROM {t}")),
        Some(e) if e.is_word("INSERT") => Some(format!("INSERT INTO {t} DEFAULT VALUES")),
        Some(_) => {
            // Every column a statement may set: fires UPDATE OF any of them.
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT name FROM pragma_table_xinfo({}) WHERE hidden = 0",
                    crate::engine::catalog::lit(table)
                ))
                .ctx(|| format!("reading the columns of {table}"))?;
            let cols: Vec<String> = stmt
                .query_map([], |r| r.get(0))
                .ctx(|| format!("reading the columns of {table}"))?
                .collect::<rusqlite::Result<_>>()
                .ctx(|| format!("reading the columns of {table}"))?;
            let sets: Vec<String> = cols.iter().map(|c| format!("{0} = {0}", q(c))).collect();
            (!sets.is_empty()).then(|| format!("UPDATE {t} SET {}", sets.join(", ")))
        }
        None => None,
    })
}
