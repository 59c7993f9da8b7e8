//! The target schema file: its statements, the `-- mig:` directives above
//! each `CREATE TABLE`, and the catalog hash that names the new database.
//!
//! Parsing checks the file's shape (statement kinds, directive syntax);
//! [`SchemaFile::reflect`] then has SQLite itself compile every statement,
//! so syntax errors come back with SQLite's message and a file position.

mod classify;
mod compile;
mod defaults;
mod directives;
pub mod lexer;
mod quoted;
mod statements;

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use super::error::{EngineError, Result, SchemaPos, SqlContext};
use classify::classify;
use directives::{directive_text, parse_directives, reject_directives, trailing_directive};
use lexer::Kind;

/// What a statement creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StmtKind {
    Table,
    Index,
    View,
    Trigger,
    Pragma,
}

/// `-- mig:set COL = EXPR`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetDirective {
    pub column: String,
    pub expr: String,
    pub line: usize,
}

/// The directives that stood above one `CREATE TABLE`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directives {
    /// `-- mig:from OLD` and its line.
    pub from: Option<(String, usize)>,
    pub sets: Vec<SetDirective>,
    /// `-- mig:revert OLDCOL = EXPR`: how the old column is computed from
    /// the new row when a revert window carries writes back (see
    /// `engine::revert::inverse`).
    pub reverts: Vec<SetDirective>,
}

#[derive(Debug, Clone)]
pub struct Statement {
    pub kind: StmtKind,
    /// The object's name (for PRAGMA: the pragma's name).
    pub name: String,
    pub sql: String,
    /// 1-based line and column where the statement starts.
    pub line: usize,
    pub column: usize,
    pub directives: Directives,
}

#[derive(Debug, Clone)]
pub struct SchemaFile {
    /// Shown in messages; never opened by the engine.
    pub file_name: String,
    /// The file's text, kept so the new database can record what built it.
    pub source: String,
    pub statements: Vec<Statement>,
    /// The double-quoted names no column has (`quoted.rs`), noted by
    /// [`SchemaFile::reflect`]'s one compile of the file.
    quoted: std::sync::OnceLock<Vec<String>>,
}

/// When [`SchemaFile::apply`] creates the schema's indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Indexes {
    /// With the tables, in file order.
    Now,
    /// Left out, to be built after the bulk load.
    Deferred,
}

impl SchemaFile {
    /// Parses the file's structure. SQL inside statements is not checked here.
    pub fn parse(file_name: &str, source: &str) -> Result<SchemaFile> {
        // A UTF-8 byte-order mark (a Windows editor's) is not SQL: SQLite
        // would read it as the start of a name.
        let source = source.strip_prefix('\u{feff}').unwrap_or(source);
        let pos = |line, column| SchemaPos {
            file: file_name.to_string(),
            line,
            column,
        };
        let err = |line, column, message: String| EngineError::Schema {
            pos: pos(line, column),
            message,
        };
        if let Some((line, message)) = classify::not_sql(source) {
            return Err(err(line, 1, message));
        }
        let tokens = lexer::tokenize(source).map_err(|e| err(e.line, e.column, e.message))?;
        let mut statements = Vec::new();
        let raws = statements::split(source, tokens);
        for raw in &raws {
            let first = raw.words().next().cloned();
            let Some(first) = first else { continue };
            for t in raw.tokens.iter().filter(|t| t.kind == Kind::LineComment) {
                if directive_text(t.text).is_some() {
                    return Err(err(t.line, t.column, format!(
                        "`{}` is inside a statement; put mig: directives on their own lines directly above CREATE TABLE",
                        t.text.trim()
                    )));
                }
            }
            let Some((kind, name)) = classify(raw).map_err(|m| err(first.line, first.column, m))?
            else {
                // BEGIN / COMMIT around the schema, or a table SQLite makes
                // itself (a dump's sqlite_sequence): harmless, skipped.
                reject_directives(raw, file_name, "a transaction statement")?;
                continue;
            };
            let directives = parse_directives(raw, file_name)?;
            if kind != StmtKind::Table && directives != Directives::default() {
                reject_directives(raw, file_name, "this statement")?;
            }
            statements.push(Statement {
                kind,
                name,
                sql: raw.text.to_string(),
                line: first.line,
                column: first.column,
                directives,
            });
        }
        // Directives after the last statement have nothing to apply to.
        if let Some(t) = trailing_directive(source) {
            return Err(err(t.0, t.1, "a mig: directive is not followed by a CREATE TABLE statement; move it directly above the table it describes".into()));
        }
        if !statements.iter().any(|s| s.kind == StmtKind::Table) {
            return Err(err(1, 0, "the schema file creates no table; it must hold the complete target schema (CREATE TABLE ...)".into()));
        }
        Ok(SchemaFile {
            file_name: file_name.to_string(),
            source: source.to_string(),
            statements,
            quoted: std::sync::OnceLock::new(),
        })
    }

    pub fn tables(&self) -> impl Iterator<Item = &Statement> {
        self.statements.iter().filter(|s| s.kind == StmtKind::Table)
    }

    /// The statement creating table `name` (case-insensitive, as SQLite matches).
    pub fn table(&self, name: &str) -> Option<&Statement> {
        self.tables().find(|s| s.name.eq_ignore_ascii_case(name))
    }

    /// Runs every statement on `conn` (an empty database), in file order,
    /// turning SQLite's errors into file positions. [`Indexes::Deferred`]
    /// leaves `CREATE INDEX` out so it can run after the bulk load.
    pub fn apply(&self, conn: &Connection, indexes: Indexes) -> Result<()> {
        let skip_indexes = indexes == Indexes::Deferred;
        // Page size and auto-vacuum only take effect before the first table.
        for s in self
            .statements
            .iter()
            .filter(|s| s.kind == StmtKind::Pragma)
        {
            self.exec(conn, s)?;
        }
        for s in self
            .statements
            .iter()
            .filter(|s| s.kind != StmtKind::Pragma)
        {
            if skip_indexes && s.kind == StmtKind::Index {
                continue;
            }
            self.exec(conn, s)?;
        }
        Ok(())
    }

    fn exec(&self, conn: &Connection, s: &Statement) -> Result<()> {
        conn.execute_batch(&s.sql).map_err(|e| {
            // The environment failed, not the statement (a full volume, a
            // read-only file): not a schema error, whatever statement ran.
            use rusqlite::ErrorCode as C;
            if matches!(
                e.sqlite_error_code(),
                Some(
                    C::DiskFull
                        | C::SystemIoFailure
                        | C::ReadOnly
                        | C::CannotOpen
                        | C::DatabaseBusy
                        | C::DatabaseLocked
                        | C::OutOfMemory
                )
            ) {
                return super::error::classify(format!("running `{}`", first_line(&s.sql)), e);
            }
            let (line, column) = match &e {
                rusqlite::Error::SqlInputError { offset, .. } if *offset >= 0 => {
                    position_in(&s.sql, *offset as usize, s.line, s.column)
                }
                _ => (s.line, s.column),
            };
            let message = match &e {
                _ if super::error::missing_collation(&e).is_some() => format!(
                    "{}: not one of SQLite's built-in collations ({}); mig cannot build or check an index ordered by the application's own collation: use a built-in one in the schema",
                    e.to_string().trim_end(),
                    super::error::BUILT_IN_COLLATIONS
                ),
                rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
                rusqlite::Error::SqliteFailure(_, Some(msg)) => msg.clone(),
                other => other.to_string(),
            };
            EngineError::Schema {
                pos: SchemaPos {
                    file: self.file_name.clone(),
                    line,
                    column,
                },
                message: format!("{message} (in `{}`)", first_line(&s.sql)),
            }
        })
    }

    /// Compiles the schema in a scratch database and returns it with the
    /// catalog hash; notes on the way the double-quoted names no column
    /// has ([`SchemaFile::quoted_strings`]), so the file is compiled once.
    pub fn reflect(&self) -> Result<(Connection, String)> {
        let conn = super::open::scratch()?;
        let quoted = self.apply_noting_quoted(&conn)?;
        defaults::check(self, &conn)?;
        compile::check(self, &conn)?;
        let hash = catalog_hash(&conn, "main")?;
        // A second reflect of the same file notes the same names.
        let _ = self.quoted.set(quoted);
        Ok((conn, hash))
    }
}

fn first_line(sql: &str) -> String {
    let line = sql.lines().next().unwrap_or("").trim();
    if line.chars().count() > 80 {
        format!("{}...", line.chars().take(77).collect::<String>())
    } else {
        line.to_string()
    }
}

/// Line and column of byte `offset` within a statement that starts at
/// (`line`, `column`) of the file.
fn position_in(sql: &str, offset: usize, line: usize, column: usize) -> (usize, usize) {
    let before = &sql[..offset.min(sql.len())];
    let newlines = before.matches('\n').count();
    if newlines == 0 {
        (line, column + before.chars().count())
    } else {
        let last = before.rsplit('\n').next().unwrap_or("");
        (line + newlines, last.chars().count() + 1)
    }
}

/// SHA-256 of the catalog as SQLite reflects it in `schema` (types, names and
/// normalised SQL of every user object, plus user_version/application_id),
/// so whitespace and comment edits do not change it. Hex, 64 characters.
pub fn catalog_hash(conn: &Connection, schema: &str) -> Result<String> {
    let mut h = Sha256::new();
    for (kind, name, sql) in catalog_objects(conn, schema)? {
        h.update(format!("{kind}\0{name}\0{sql}\n"));
    }
    for (pragma, v) in catalog_pragmas(conn, schema)? {
        h.update(format!("{pragma}={v}\n"));
    }
    Ok(hex::encode(h.finalize()))
}

/// What [`catalog_hash`] hashes: (type, lowercase name, normalised SQL) of
/// every user object in `schema`, mig's own and SQLite's left out, in order.
pub fn catalog_objects(conn: &Connection, schema: &str) -> Result<Vec<(String, String, String)>> {
    let rows = super::catalog::schema_rows(
        conn,
        &format!(
            "SELECT type, lower(name), sql FROM \"{schema}\".sqlite_schema \
             WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
             AND name NOT IN ('_migration_status','_migration_progress','_id_mapping','_schema_identity','_migration_marker','_migration_log') \
             AND name NOT LIKE '\\_mig\\_%' ESCAPE '\\' ORDER BY 1, 2"
        ),
        "reading the schema catalog",
    )?;
    Ok(rows
        .into_iter()
        .map(|(kind, name, sql)| (kind, name, lexer::normalize(&sql)))
        .collect())
}

/// The header values [`catalog_hash`] covers: user_version, application_id.
pub fn catalog_pragmas(conn: &Connection, schema: &str) -> Result<Vec<(&'static str, i64)>> {
    ["user_version", "application_id"]
        .into_iter()
        .map(|pragma| {
            let v: i64 = conn
                .pragma_query_value(Some(schema), pragma, |r| r.get(0))
                .ctx(|| format!("reading PRAGMA {pragma}"))?;
            Ok((pragma, v))
        })
        .collect()
}

/// The short form of a catalog hash used in file names.
pub fn short_hash(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(src: &str) -> String {
        SchemaFile::parse("schema.sql", src)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn directives_attach_to_the_table_below_them() {
        let s = SchemaFile::parse(
            "schema.sql",
            "-- mig:from Customer\n-- mig:set full_name = First || ' ' || Last\nCREATE TABLE customer(id INTEGER PRIMARY KEY, full_name TEXT);",
        )
        .unwrap();
        let t = s.table("CUSTOMER").unwrap();
        assert_eq!(t.directives.from, Some(("Customer".into(), 1)));
        assert_eq!(t.directives.sets[0].column, "full_name");
        assert_eq!(t.directives.sets[0].expr, "First || ' ' || Last");
        assert_eq!(t.line, 3);
    }

    #[test]
    fn bad_directives_name_file_line_and_text() {
        assert_eq!(parse_err("-- mig:frm X\nCREATE TABLE a(x);"),
            "schema.sql:1:8: unknown directive mig:frm; use mig:from OLD_TABLE, mig:set COLUMN = EXPRESSION or mig:revert OLD_COLUMN = EXPRESSION");
        assert!(parse_err("-- mig:set x\nCREATE TABLE a(x);")
            .starts_with("schema.sql:1:12: mig:set needs `COLUMN = EXPRESSION`"));
        assert!(parse_err("-- mig:set x =\nCREATE TABLE a(x);").contains("has no expression"));
        assert!(
            parse_err("-- mig:from A B\nCREATE TABLE a(x);").contains("takes one old table name")
        );
        assert!(
            parse_err("-- mig:set x = 1\nCREATE INDEX i ON a(x);\nCREATE TABLE a(x);")
                .contains("apply only to CREATE TABLE")
        );
        assert!(parse_err("CREATE TABLE a(x);\n-- mig:set x = 1\n")
            .contains("not followed by a CREATE TABLE"));
        assert!(
            parse_err("-- mig:set x = 1\n-- mig:set X = 2\nCREATE TABLE a(x);")
                .contains("set twice")
        );
    }

    #[test]
    fn statements_that_are_not_schema_are_refused() {
        assert!(parse_err("CREATE TABLE a(x);\nINSERT INTO a VALUES (1);")
            .starts_with("schema.sql:2:1: INSERT statements do not belong"));
        assert!(parse_err("PRAGMA foreign_keys = ON;\nCREATE TABLE a(x);")
            .contains("PRAGMA foreign_keys does not belong"));
        assert!(parse_err("CREATE TEMP TABLE a(x);").contains("TEMP objects"));
        assert_eq!(
            parse_err("CREATE TABLE a(x);\nCREATE TABLE \"_ID_Mapping\"(x);"),
            "schema.sql:2:1: _ID_Mapping is a name mig uses for its own tables (_migration_*, _mig_*, _id_mapping, _schema_identity); rename it"
        );
        assert!(
            parse_err("CREATE TABLE a(x);\nCREATE INDEX _mig_certificate_x ON a(x);")
                .contains("_mig_certificate_x is a name mig uses")
        );
        assert!(parse_err("CREATE TABLE _migration_status(x);").contains("rename it"));
        assert!(parse_err("CREATE INDEX i ON a(x);").contains("creates no table"));
    }

    #[test]
    fn syntax_errors_report_line_and_column_from_sqlite() {
        let s = SchemaFile::parse(
            "schema.sql",
            "CREATE TABLE a(x);\nCREATE TABLE b(\n  y INTEGER,\n  z TEXT NOT NUL\n);",
        )
        .unwrap();
        let err = s.reflect().unwrap_err().to_string();
        assert!(err.starts_with("schema.sql:4:"), "{err}");
        assert!(err.contains("syntax error"), "{err}");
    }

    #[test]
    fn hash_ignores_comments_and_whitespace_but_not_content() {
        let a = SchemaFile::parse("s", "CREATE TABLE a(x INT); -- hi")
            .unwrap()
            .reflect()
            .unwrap()
            .1;
        let b = SchemaFile::parse("s", "-- mig:set x = 1\ncreate table  a ( x INT );")
            .unwrap()
            .reflect()
            .unwrap()
            .1;
        let c = SchemaFile::parse("s", "CREATE TABLE a(x TEXT);")
            .unwrap()
            .reflect()
            .unwrap()
            .1;
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn transaction_wrappers_are_skipped() {
        let s = SchemaFile::parse("s", "BEGIN;\nCREATE TABLE a(x);\nCOMMIT;").unwrap();
        assert_eq!(s.statements.len(), 1);
    }
}
