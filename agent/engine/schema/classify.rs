//! What a schema file's statement is: its kind and name, or why it does
//! not belong in a schema file (a statement other than CREATE or one of
//! the pragmas that describe the database, TEMP, another schema, a name
//! mig uses for its own tables).

use super::lexer::{Kind, Token};
use super::statements::RawStatement;
use super::StmtKind;

/// Pragmas a schema file may set: they describe the database, not a session.
const ALLOWED_PRAGMAS: &[&str] = &["user_version", "application_id", "page_size", "auto_vacuum"];

/// The kind and name of a statement, `None` for BEGIN/COMMIT and SQLite's
/// own tables (`sqlite_sequence`, `sqlite_stat1`), or why the
/// statement does not belong in a schema file.
pub(super) fn classify(
    raw: &RawStatement<'_>,
) -> std::result::Result<Option<(StmtKind, String)>, String> {
    let words: Vec<&Token<'_>> = raw.words().collect();
    let is = |i: usize, s: &str| word_is(&words, i, s);
    if is(0, "BEGIN") || is(0, "COMMIT") || is(0, "END") {
        return Ok(None);
    }
    if is(0, "PRAGMA") {
        return pragma(&words).map(Some);
    }
    if is(0, "INSERT")
        && words
            .iter()
            .take(4)
            .any(|t| unquoted(t.text) == "schema_migrations")
    {
        return Err(RAILS_VERSIONS.to_string());
    }
    if !is(0, "CREATE") {
        let first = words
            .first()
            .map(|t| t.text.to_ascii_uppercase())
            .unwrap_or_default();
        return Err(format!(
            "{first} statements do not belong in a schema file; it holds only CREATE TABLE/INDEX/VIEW/TRIGGER (and PRAGMA user_version/application_id): the whole new schema, not a migration script (Django's `sqlmigrate`, Alembic's `upgrade --sql`, ALTER/INSERT/UPDATE steps) or a `.dump`; apply the migration to a copy of the database and give the copy's `sqlite3 COPY .schema`"
        ));
    }
    match created(&words)? {
        // SQLite makes these itself (the first AUTOINCREMENT table, ANALYZE);
        // the sqlite3 shell's `.schema` prints them, and creating one is an
        // error: a dumped schema would fail at that line.
        (StmtKind::Table, name) if SQLITE_OWN.contains(&name.to_ascii_lowercase().as_str()) => {
            Ok(None)
        }
        created => Ok(Some(created)),
    }
}

/// A Rails `structure.sql` ends with its migrations' versions.
const RAILS_VERSIONS: &str = "INSERT INTO schema_migrations (a Rails structure.sql's migration versions) does not belong in a schema file; delete these lines: the new database gets the old one's schema_migrations rows, so record the new versions after cutover (e.g. `rails runner 'ActiveRecord::SchemaMigration.create!(version: \"...\")'`)";

fn unquoted(name: &str) -> String {
    name.trim_matches(|c| c == '"' || c == '`' || c == '[' || c == ']')
        .to_ascii_lowercase()
}

/// A file that is not SQL at all: its first line that is not blank
/// starts with `#`, which SQL never does (Ruby, Python, YAML, TOML, shell),
/// a Python import or docstring (a Django migration, an Alembic revision),
/// or an INI/TOML `[section]` header (`alembic.ini`).
/// Answered before lexing, whose first complaint (an apostrophe in a
/// comment: "unterminated string literal") would not say so.
pub(super) fn not_sql(source: &str) -> Option<(usize, String)> {
    let (i, line) = source
        .lines()
        .enumerate()
        .find(|(_, l)| !l.trim().is_empty())?;
    let first = line.trim_start();
    let (what, why) = if first.starts_with('#') {
        let what = if source.contains("ActiveRecord::Schema") {
            "Rails' schema.rb (Ruby)"
        } else {
            "not SQL"
        };
        (what, "it starts with a `#` comment, which SQL has not")
    } else if python_import(first) {
        (
            "Python (a Django migration, say), not SQL",
            "it starts with an import",
        )
    } else if first.starts_with("\"\"\"") || first.starts_with("'''") {
        (
            "Python (an Alembic revision, say), not SQL",
            "it starts with a docstring",
        )
    } else if first.starts_with('[') && first.trim_end().ends_with(']') {
        (
            "a configuration file (INI or TOML: alembic.ini, prefect.toml), not SQL",
            "it starts with a `[section]` header",
        )
    } else {
        return None;
    };
    Some((i + 1, format!(
        "this file is {what}: {why}; give the complete target schema as SQL (CREATE TABLE ...), e.g. `sqlite3 DB .schema` of a database already at that schema"
    )))
}

/// `import x` or `from x import y`: Python's first line, never SQL's.
fn python_import(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    matches!(
        words.as_slice(),
        ["import", _, ..] | ["from", _, "import", ..]
    )
}

/// Tables SQLite creates by itself, which a `.schema` dump lists.
const SQLITE_OWN: [&str; 3] = ["sqlite_sequence", "sqlite_stat1", "sqlite_stat4"];

/// Word `i` of a statement is the keyword `s`.
fn word_is(words: &[&Token<'_>], i: usize, s: &str) -> bool {
    words.get(i).is_some_and(|t| t.is_word(s))
}

/// `PRAGMA [main.]name …`: one of the pragmas that describe the database,
/// on the main schema.
fn pragma(words: &[&Token<'_>]) -> std::result::Result<(StmtKind, String), String> {
    let ident = |i: usize| words.get(i).and_then(|t| t.ident()).unwrap_or_default();
    let qualified = words
        .get(2)
        .is_some_and(|t| t.kind == Kind::Punct && t.text == ".");
    let name = if qualified { ident(3) } else { ident(1) }.to_ascii_lowercase();
    if qualified && !ident(1).eq_ignore_ascii_case("main") {
        return Err(format!(
            "PRAGMA {}.{name} sets another schema; a schema file describes the new database itself: write PRAGMA {name}",
            ident(1)
        ));
    }
    if ALLOWED_PRAGMAS.contains(&name.as_str()) {
        return Ok((StmtKind::Pragma, name));
    }
    let remove = match name.as_str() {
        "journal_mode" => "remove it: mig creates the new database in WAL mode",
        "encoding" => "remove it: the new database takes the old one's encoding",
        _ => {
            "remove it: a connection's setting is the service's to make when it opens the database"
        }
    };
    Err(format!(
        "PRAGMA {name} does not belong in a schema file; {remove} (only {} describe the database)",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::schema::lexer::tokenize;
    use crate::engine::schema::statements::split;

    fn one(sql: &str) -> std::result::Result<Option<(StmtKind, String)>, String> {
        let stmts = split(sql, tokenize(sql).expect("lexes"));
        classify(&stmts[0])
    }

    #[test]
    fn a_rails_structure_sql_version_insert_says_what_to_do_with_it() {
        for sql in [
            "INSERT INTO \"schema_migrations\" (version) VALUES ('1'), ('2');",
            "insert into schema_migrations values ('1');",
        ] {
            let err = one(sql).expect_err("refused");
            assert!(err.contains("delete these lines"), "{err}");
        }
        let err = one("INSERT INTO t VALUES (1);").expect_err("refused");
        assert!(err.starts_with("INSERT statements do not belong"), "{err}");
    }

    #[test]
    fn a_file_starting_with_a_hash_comment_is_not_sql() {
        let rb = "# This file is auto-generated\n# It's strongly recommended\nActiveRecord::Schema.define(version: 1) do\nend\n";
        let (line, msg) = not_sql(rb).expect("not sql");
        assert_eq!(line, 1);
        assert!(
            msg.starts_with("this file is Rails' schema.rb (Ruby)"),
            "{msg}"
        );
        assert!(not_sql("\n\n# mailman.cfg\n[mta]\n")
            .is_some_and(|(l, m)| l == 3 && m.contains("not SQL")));
        assert_eq!(not_sql("-- a comment\nCREATE TABLE a(x); -- # x\n"), None);
    }

    #[test]
    fn sqlite_sequence_and_sqlite_stat1_from_a_schema_dump_are_skipped() {
        for sql in [
            "CREATE TABLE sqlite_sequence(name,seq);",
            "CREATE TABLE sqlite_stat1(tbl,idx,stat);",
        ] {
            assert_eq!(one(sql), Ok(None), "{sql}");
        }
    }

    #[test]
    fn a_pragma_on_the_main_schema_is_accepted_and_another_schema_refused() {
        for sql in [
            "PRAGMA user_version = 3;",
            "PRAGMA main.user_version = 3;",
            "pragma MAIN.\"user_version\" = 3;",
        ] {
            assert_eq!(
                one(sql),
                Ok(Some((StmtKind::Pragma, "user_version".into()))),
                "{sql}"
            );
        }
        let err = one("PRAGMA aux.user_version = 3;").expect_err("another schema");
        assert!(
            err.contains("aux.user_version") && err.contains("write PRAGMA user_version"),
            "{err}"
        );
        let err = one("PRAGMA main.journal_mode = WAL;").expect_err("not a schema pragma");
        assert!(
            err.contains("PRAGMA journal_mode does not belong in a schema file; remove it: mig creates the new database in WAL mode"),
            "{err}"
        );
    }
}
