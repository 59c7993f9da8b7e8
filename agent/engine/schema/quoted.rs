//! Double-quoted names that resolve to nothing: SQLite's legacy fallback
//! reads `"OldName"` as the string 'OldName' when no column has that name,
//! so `CREATE INDEX i ON t("OldName")` indexes a constant and a view returns
//! the text. `plan` warns about each one; noting them changes nothing the
//! schema compiles to.

use rusqlite::config::DbConfig;
use rusqlite::Connection;

use super::{first_line, SchemaFile, Statement, StmtKind};
use crate::engine::catalog::q;
use crate::engine::error::{Result, SqlContext};

/// SQLite's hint when a double-quoted name is not a column (DQS off).
const HINT: &str = " - should this be a string literal in single-quotes?";

impl SchemaFile {
    /// One warning per statement that uses a double-quoted name no column
    /// has, as [`SchemaFile::reflect`] noted them (reflected here if it has
    /// not run on this file yet).
    pub fn quoted_strings(&self) -> Result<Vec<String>> {
        if self.quoted.get().is_none() {
            self.reflect()?;
        }
        Ok(self.quoted.get().cloned().unwrap_or_default())
    }

    /// [`SchemaFile::apply`] with every index, noting the double-quoted
    /// names no column has on the way: each statement is compiled first
    /// with SQLite's fallback off (a view is also read, as its columns
    /// resolve only then), and one it refuses runs again with the fallback
    /// on, so the schema compiles exactly as with the fallback on
    /// throughout, and fails with the same error where it fails.
    pub(super) fn apply_noting_quoted(&self, conn: &Connection) -> Result<Vec<String>> {
        let mut out = Vec::new();
        // Page size and auto-vacuum only take effect before the first table.
        let pragmas = self
            .statements
            .iter()
            .filter(|s| s.kind == StmtKind::Pragma);
        for s in pragmas {
            self.exec(conn, s)?;
        }
        let others = self
            .statements
            .iter()
            .filter(|s| s.kind != StmtKind::Pragma);
        for s in others {
            set_fallback(conn, Fallback::Off)?;
            match conn.execute_batch(&s.sql) {
                Ok(()) if s.kind == StmtKind::View => {
                    let read = conn.prepare(&format!("SELECT * FROM {}", q(&s.name)));
                    if let Err(e) = read {
                        out.extend(self.unresolved(s, &e));
                    }
                }
                Ok(()) => {}
                Err(e) => {
                    out.extend(self.unresolved(s, &e));
                    set_fallback(conn, Fallback::On)?;
                    self.exec(conn, s)?;
                }
            }
        }
        set_fallback(conn, Fallback::On)?;
        Ok(out)
    }

    /// The warning for `s` when `e` is SQLite refusing a double-quoted
    /// name no column has.
    fn unresolved(&self, s: &Statement, e: &rusqlite::Error) -> Option<String> {
        let message = match e {
            rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
            rusqlite::Error::SqliteFailure(_, Some(msg)) => msg.clone(),
            other => other.to_string(),
        };
        let name = message
            .strip_prefix("no such column: ")
            .and_then(|m| m.strip_suffix(HINT))?;
        let text = name.trim_matches('"');
        Some(format!(
            "{}:{}: {name} names no column, so SQLite reads it as the string '{text}' (in `{}`); write the column's new name, or '{text}' in single quotes if a string is meant",
            self.file_name,
            s.line,
            first_line(&s.sql)
        ))
    }
}

/// SQLite's double-quoted string fallback: a `"name"` no column has read
/// as the string 'name' (on, SQLite's default) or refused (off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fallback {
    On,
    Off,
}

fn set_fallback(conn: &Connection, fallback: Fallback) -> Result<()> {
    let on = fallback == Fallback::On;
    for c in [
        DbConfig::SQLITE_DBCONFIG_DQS_DDL,
        DbConfig::SQLITE_DBCONFIG_DQS_DML,
    ] {
        conn.set_db_config(c, on)
            .ctx(|| "setting SQLite's double-quoted string fallback".into())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::SchemaFile;

    fn warnings(sql: &str) -> Vec<String> {
        SchemaFile::parse("schema.sql", sql)
            .expect("parse")
            .quoted_strings()
            .expect("compile")
    }

    #[test]
    fn an_index_on_a_renamed_column_in_double_quotes_is_named() {
        let w = warnings(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, region TEXT);\nCREATE INDEX ti ON t(\"OldRegion\");\nCREATE VIEW v AS SELECT \"OldRegion\" FROM t;\n",
        );
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].starts_with("schema.sql:2: \"OldRegion\" names no column, so SQLite reads it as the string 'OldRegion' (in `CREATE INDEX ti ON t(\"OldRegion\")`)"),
            "{w:?}"
        );
        assert!(w[1].starts_with("schema.sql:3: "), "{w:?}");
    }

    #[test]
    fn double_quoted_names_of_real_columns_and_single_quoted_strings_are_fine() {
        let w = warnings(
            "CREATE TABLE \"T x\" (\"Id\" INTEGER PRIMARY KEY, s TEXT DEFAULT 'a' CHECK (s IN ('a', 'b')));\nCREATE INDEX i ON \"T x\"(\"Id\", s);\n",
        );
        assert!(w.is_empty(), "{w:?}");
    }
}
