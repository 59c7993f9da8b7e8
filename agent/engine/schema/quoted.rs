//! Double-quoted names that resolve to nothing: SQLite's legacy fallback
//! reads `"OldName"` as the string 'OldName' when no column has that name,
//! so `CREATE INDEX i ON t("OldName")` indexes a constant and a view returns
//! the text. `plan` warns about each one; nothing here changes the schema.

use rusqlite::config::DbConfig;
use rusqlite::Connection;

use super::{first_line, SchemaFile, StmtKind};
use crate::engine::catalog::q;
use crate::engine::error::{Result, SqlContext};
use crate::engine::open;

/// SQLite's hint when a double-quoted name is not a column (DQS off).
const HINT: &str = " - should this be a string literal in single-quotes?";

impl SchemaFile {
    /// One warning per statement that uses a double-quoted name no column
    /// has: it compiles the schema again with the fallback turned off, and
    /// runs a refused statement with the fallback on so the rest compiles.
    pub fn quoted_strings(&self) -> Result<Vec<String>> {
        let conn = open::scratch()?;
        let mut out = Vec::new();
        for s in &self.statements {
            set_fallback(&conn, Fallback::Off)?;
            // A view's columns resolve when it is read, not when created.
            let compiled = conn.execute_batch(&s.sql).and_then(|()| match s.kind {
                StmtKind::View => conn
                    .prepare(&format!("SELECT * FROM {}", q(&s.name)))
                    .map(|_| ()),
                _ => Ok(()),
            });
            let Err(e) = compiled else {
                continue;
            };
            let message = match &e {
                rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
                rusqlite::Error::SqliteFailure(_, Some(msg)) => msg.clone(),
                other => other.to_string(),
            };
            if let Some(name) = message
                .strip_prefix("no such column: ")
                .and_then(|m| m.strip_suffix(HINT))
            {
                let text = name.trim_matches('"');
                out.push(format!(
                    "{}:{}: {name} names no column, so SQLite reads it as the string '{text}' (in `{}`); write the column's new name, or '{text}' in single quotes if a string is meant",
                    self.file_name,
                    s.line,
                    first_line(&s.sql)
                ));
            }
            // Whatever the reason, let the rest compile as `reflect` did (a
            // view created above stays; running it again just fails).
            set_fallback(&conn, Fallback::On)?;
            let _ = conn.execute_batch(&s.sql);
        }
        Ok(out)
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
