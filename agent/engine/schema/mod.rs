//! The target schema file: its statements, the `-- mig:` directives above
//! each `CREATE TABLE`, and the catalog hash that names the new database.
//!
//! Parsing checks the file's shape (statement kinds, directive syntax);
//! [`SchemaFile::reflect`] then has SQLite itself compile every statement,
//! so syntax errors come back with SQLite's message and a file position.

pub mod lexer;
mod quoted;

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use super::error::{EngineError, Result, SchemaPos, SqlContext};
use lexer::{Kind, RawStatement, Token};

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
}

/// Pragmas a schema file may set: they describe the database, not a session.
const ALLOWED_PRAGMAS: &[&str] = &["user_version", "application_id", "page_size", "auto_vacuum"];

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
        let pos = |line, column| SchemaPos {
            file: file_name.to_string(),
            line,
            column,
        };
        let err = |line, column, message: String| EngineError::Schema {
            pos: pos(line, column),
            message,
        };
        let tokens = lexer::tokenize(source).map_err(|e| err(e.line, e.column, e.message))?;
        let mut statements = Vec::new();
        let raws = lexer::split(source, tokens);
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
                // BEGIN / COMMIT around the schema: harmless, skipped.
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
    /// catalog hash.
    pub fn reflect(&self) -> Result<(Connection, String)> {
        let conn = super::open::scratch()?;
        self.apply(&conn, Indexes::Now)?;
        let hash = catalog_hash(&conn, "main")?;
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

/// The kind and name of a statement, `None` for BEGIN/COMMIT, or why the
/// statement does not belong in a schema file.
fn classify(raw: &RawStatement<'_>) -> std::result::Result<Option<(StmtKind, String)>, String> {
    let words: Vec<&Token<'_>> = raw.words().collect();
    let is = |i: usize, s: &str| word_is(&words, i, s);
    if is(0, "BEGIN") || is(0, "COMMIT") || is(0, "END") {
        return Ok(None);
    }
    if is(0, "PRAGMA") {
        return pragma(&words).map(Some);
    }
    if !is(0, "CREATE") {
        let first = words
            .first()
            .map(|t| t.text.to_ascii_uppercase())
            .unwrap_or_default();
        return Err(format!(
            "{first} statements do not belong in a schema file; it holds only CREATE TABLE/INDEX/VIEW/TRIGGER (and PRAGMA user_version/application_id)"
        ));
    }
    created(&words).map(Some)
}

/// Word `i` of a statement is the keyword `s`.
fn word_is(words: &[&Token<'_>], i: usize, s: &str) -> bool {
    words.get(i).is_some_and(|t| t.is_word(s))
}

/// `PRAGMA name …`: one of the pragmas that describe the database, on the
/// main schema.
fn pragma(words: &[&Token<'_>]) -> std::result::Result<(StmtKind, String), String> {
    let name = words
        .get(1)
        .and_then(|t| t.ident())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if ALLOWED_PRAGMAS.contains(&name.as_str()) && !word_is(words, 2, ".") {
        return Ok((StmtKind::Pragma, name));
    }
    Err(format!(
        "PRAGMA {name} does not belong in a schema file; only {} describe the database",
        ALLOWED_PRAGMAS.join(", ")
    ))
}

/// `CREATE [UNIQUE] TABLE|INDEX|VIEW|TRIGGER [IF NOT EXISTS] [main.]name`:
/// its kind and name, refused in another schema or under a reserved name.
fn created(words: &[&Token<'_>]) -> std::result::Result<(StmtKind, String), String> {
    let w = |i: usize| words.get(i).copied();
    let is = |i: usize, s: &str| word_is(words, i, s);
    let mut i = 1;
    if is(i, "TEMP") || is(i, "TEMPORARY") {
        return Err("TEMP objects are not part of a database file; remove TEMP".into());
    }
    if is(i, "UNIQUE") {
        i += 1;
    }
    let kind = if is(i, "TABLE") {
        StmtKind::Table
    } else if is(i, "INDEX") {
        StmtKind::Index
    } else if is(i, "VIEW") {
        StmtKind::View
    } else if is(i, "TRIGGER") {
        StmtKind::Trigger
    } else if is(i, "VIRTUAL") {
        return Err("virtual tables (CREATE VIRTUAL TABLE) are not supported by mig yet; create them after cutover".into());
    } else {
        return Err("expected CREATE TABLE, INDEX, VIEW or TRIGGER".into());
    };
    i += 1;
    if is(i, "IF") && is(i + 1, "NOT") && is(i + 2, "EXISTS") {
        i += 3;
    }
    let mut name = w(i)
        .and_then(|t| t.ident())
        .ok_or("missing object name after CREATE")?;
    if w(i + 1).is_some_and(|t| t.text == ".") {
        if !name.eq_ignore_ascii_case("main") {
            return Err(format!(
                "objects must be created in the main schema, not {name}"
            ));
        }
        name = w(i + 2)
            .and_then(|t| t.ident())
            .ok_or("missing object name after schema prefix")?;
    }
    if is_reserved(&name) {
        return Err(format!(
            "{name} is a name mig uses for its own tables (_migration_*, _mig_*, _id_mapping, _schema_identity); rename it"
        ));
    }
    Ok((kind, name))
}

/// Names of mig's own tables, indexes and triggers in the old and the new
/// database: a schema object of that name would collide with them now, or
/// when this new database is the old one of the next migration.
const RESERVED: [&str; 6] = [
    "_migration_marker",
    "_migration_log",
    "_migration_status",
    "_migration_progress",
    "_schema_identity",
    "_id_mapping",
];

fn is_reserved(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    RESERVED.contains(&lower.as_str()) || lower.starts_with("_mig_")
}

/// The text after `mig:` when `comment` is a directive (`-- mig:...`).
fn directive_text(comment: &str) -> Option<&str> {
    comment
        .strip_prefix("--")?
        .trim_start()
        .strip_prefix("mig:")
}

fn parse_directives(raw: &RawStatement<'_>, file: &str) -> Result<Directives> {
    let mut d = Directives::default();
    for t in raw.leading.iter().filter(|t| t.kind == Kind::LineComment) {
        let Some(body) = directive_text(t.text) else {
            continue;
        };
        let err = |column: usize, message: String| EngineError::Schema {
            pos: SchemaPos {
                file: file.to_string(),
                line: t.line,
                column,
            },
            message,
        };
        let body_col = t.column + (t.text.len() - body.len());
        let (verb, rest) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
        let rest_col = body_col + verb.chars().count() + 1;
        match verb {
            "from" => {
                if let Some((_, line)) = &d.from {
                    return Err(err(body_col, format!("a second mig:from for the same table (the first is on line {line}); keep one")));
                }
                let toks =
                    lexer::tokenize(rest).map_err(|e| err(rest_col + e.column - 1, e.message))?;
                match toks.as_slice() {
                    [one] if one.ident().is_some() => {
                        d.from = Some((one.ident().unwrap_or_default(), t.line));
                    }
                    _ => {
                        return Err(err(
                            rest_col,
                            format!("mig:from takes one old table name, got `{}`", rest.trim()),
                        ))
                    }
                }
            }
            "set" | "revert" => {
                let list = if verb == "set" {
                    &mut d.sets
                } else {
                    &mut d.reverts
                };
                let what = Assignment {
                    verb,
                    rest,
                    line: t.line,
                    col: rest_col,
                };
                list.push(assignment(&what, list, &err)?);
            }
            other => {
                return Err(err(body_col, format!("unknown directive mig:{other}; use mig:from OLD_TABLE, mig:set COLUMN = EXPRESSION or mig:revert OLD_COLUMN = EXPRESSION")));
            }
        }
    }
    Ok(d)
}

/// One `mig:set` or `mig:revert` line: `COLUMN = EXPRESSION`.
struct Assignment<'a> {
    verb: &'a str,
    rest: &'a str,
    line: usize,
    col: usize,
}

fn assignment(
    a: &Assignment<'_>,
    seen: &[SetDirective],
    err: &dyn Fn(usize, String) -> EngineError,
) -> Result<SetDirective> {
    let (verb, rest, rest_col) = (a.verb, a.rest, a.col);
    let Some((col, expr)) = rest.split_once('=') else {
        return Err(err(
            rest_col,
            format!(
                "mig:{verb} needs `COLUMN = EXPRESSION`, got `{}`",
                rest.trim()
            ),
        ));
    };
    let toks = lexer::tokenize(col).map_err(|e| err(rest_col + e.column - 1, e.message))?;
    let column = match toks.as_slice() {
        [one] if one.ident().is_some() => one.ident().unwrap_or_default(),
        _ => {
            return Err(err(
                rest_col,
                format!(
                    "mig:{verb} needs one column name before `=`, got `{}`",
                    col.trim()
                ),
            ))
        }
    };
    let expr = expr.trim();
    if expr.is_empty() {
        return Err(err(
            rest_col,
            format!("mig:{verb} {column} has no expression after `=`"),
        ));
    }
    if let Some(prev) = seen.iter().find(|s| s.column.eq_ignore_ascii_case(&column)) {
        return Err(err(
            rest_col,
            format!(
                "column {column} is {} twice (also on line {}); keep one mig:{verb}",
                if verb == "set" {
                    "set"
                } else {
                    "given a revert expression"
                },
                prev.line
            ),
        ));
    }
    Ok(SetDirective {
        column,
        expr: expr.to_string(),
        line: a.line,
    })
}

fn reject_directives(raw: &RawStatement<'_>, file: &str, what: &str) -> Result<()> {
    if let Some(t) = raw
        .leading
        .iter()
        .find(|t| t.kind == Kind::LineComment && directive_text(t.text).is_some())
    {
        return Err(EngineError::Schema {
            pos: SchemaPos { file: file.to_string(), line: t.line, column: t.column },
            message: format!("mig: directives apply only to CREATE TABLE, but {what} follows; move the directive above its table"),
        });
    }
    Ok(())
}

fn trailing_directive(source: &str) -> Option<(usize, usize)> {
    let tokens = lexer::tokenize(source).ok()?;
    let last_significant = tokens
        .iter()
        .rposition(|t| !t.is_comment() && t.kind != Kind::Semicolon);
    tokens
        .iter()
        .enumerate()
        .filter(|(i, t)| last_significant.is_none_or(|l| *i > l) && t.kind == Kind::LineComment)
        .find(|(_, t)| directive_text(t.text).is_some())
        .map(|(_, t)| (t.line, t.column))
}

/// SHA-256 of the catalog as SQLite reflects it in `schema` (types, names and
/// normalised SQL of every user object, plus user_version/application_id),
/// so whitespace and comment edits do not change it. Hex, 64 characters.
pub fn catalog_hash(conn: &Connection, schema: &str) -> Result<String> {
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
    let mut h = Sha256::new();
    for (kind, name, sql) in rows {
        h.update(format!("{kind}\0{name}\0{}\n", lexer::normalize(&sql)));
    }
    for pragma in ["user_version", "application_id"] {
        let v: i64 = conn
            .pragma_query_value(Some(schema), pragma, |r| r.get(0))
            .ctx(|| format!("reading PRAGMA {pragma}"))?;
        h.update(format!("{pragma}={v}\n"));
    }
    Ok(hex::encode(h.finalize()))
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
