//! Bad schema files and every kind of bad `mig:` directive, each given to
//! `mig migrate` (see the runner in `bad_input.rs`): the one stderr line
//! names the file, line and column.

use super::{nothing, Case, State};
use crate::cli::harness::FAILED;

/// A schema file `bad.sql` whose only flaw is `$text`, and the fragment the
/// error must name (file:line:column included).
macro_rules! schema_case {
    ($name:literal, $text:literal, $expect:literal) => {
        Case {
            name: $name,
            state: State::Fresh,
            files: &[("bad.sql", $text)],
            prepare: nothing,
            args: &[
                "migrate", "--old", "old.db", "--new", "new.db", "--schema", "bad.sql",
            ],
            exit: FAILED,
            expect: $expect,
        }
    };
}

pub(super) fn cases() -> Vec<Case> {
    vec![
        // The schema file.
        schema_case!(
            "schema syntax error",
            b"CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  a TEXT NOT NUL\n);\n",
            "bad.sql:3:14: near \"NUL\": syntax error"
        ),
        schema_case!(
            "schema with an unterminated string",
            b"CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT DEFAULT 'x);\n",
            "bad.sql:1:56: unterminated string literal"
        ),
        schema_case!(
            "schema creates no table",
            b"CREATE VIEW v AS SELECT 1;\n",
            "bad.sql:1: the schema file creates no table"
        ),
        schema_case!(
            "schema holds an INSERT",
            b"CREATE TABLE t (id INTEGER PRIMARY KEY);\nINSERT INTO t VALUES (1);\n",
            "bad.sql:2:1: INSERT statements do not belong in a schema file"
        ),
        schema_case!(
            "schema sets a session pragma",
            b"PRAGMA foreign_keys = ON;\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n",
            "bad.sql:1:1: PRAGMA foreign_keys does not belong in a schema file; remove it: a connection's setting is the service's to make when it opens the database"
        ),
        schema_case!(
            "schema sets the journal mode",
            b"CREATE TABLE t (id INTEGER PRIMARY KEY);\nPRAGMA journal_mode = WAL;\n",
            "bad.sql:2:1: PRAGMA journal_mode does not belong in a schema file; remove it: mig creates the new database in WAL mode"
        ),
        schema_case!(
            "schema creates a TEMP table",
            b"CREATE TEMP TABLE t (id INTEGER PRIMARY KEY);\n",
            "bad.sql:1:1: TEMP objects are not part of a database file"
        ),
        schema_case!(
            "schema creates a table with the name of mig's own _id_mapping",
            b"CREATE TABLE t (id INTEGER PRIMARY KEY);\nCREATE TABLE _id_mapping (x);\n",
            "bad.sql:2:1: _id_mapping is a name mig uses for its own tables"
        ),
        schema_case!(
            "schema creates a virtual table",
            b"CREATE VIRTUAL TABLE f USING fts5(a);\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n",
            "bad.sql:1:1: virtual tables (CREATE VIRTUAL TABLE) are not supported"
        ),
        schema_case!(
            "schema creates in another schema",
            b"CREATE TABLE aux.t (id INTEGER PRIMARY KEY);\n",
            "bad.sql:1:1: objects must be created in the main schema, not aux"
        ),
        // Each kind of bad directive.
        schema_case!(
            "directive: unknown verb",
            b"-- mig:frm t\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n",
            "bad.sql:1:8: unknown directive mig:frm"
        ),
        schema_case!(
            "directive: mig:from with two names",
            b"-- mig:from t u\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n",
            "bad.sql:1:13: mig:from takes one old table name, got `t u`"
        ),
        schema_case!(
            "directive: mig:from with no name",
            b"-- mig:from\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n",
            "bad.sql:1:13: mig:from takes one old table name, got ``"
        ),
        schema_case!(
            "directive: mig:from twice",
            b"-- mig:from t\n-- mig:from t\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n",
            "bad.sql:2:8: a second mig:from for the same table (the first is on line 1)"
        ),
        schema_case!(
            "directive: mig:from an unknown old table",
            b"-- mig:from Nope\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n",
            "Nope"
        ),
        schema_case!(
            "directive: mig:set without `=`",
            b"-- mig:from Customer\n-- mig:set id\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n",
            "bad.sql:2:12: mig:set needs `COLUMN = EXPRESSION`, got `id`"
        ),
        schema_case!(
            "directive: mig:set without an expression",
            b"-- mig:from Customer\n-- mig:set id =\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n",
            "bad.sql:2:12: mig:set id has no expression after `=`"
        ),
        schema_case!(
            "directive: mig:set with two column names",
            b"-- mig:from Customer\n-- mig:set id x = 1\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n",
            "bad.sql:2:12: mig:set needs one column name before `=`, got `id x`"
        ),
        schema_case!(
            "directive: mig:set the same column twice",
            b"-- mig:from Customer\n-- mig:set id = 1\n-- mig:set ID = 2\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n",
            "bad.sql:3:12: column ID is set twice (also on line 2)"
        ),
        schema_case!(
            "directive: mig:set a column the table lacks",
            b"-- mig:from Customer\n-- mig:set nope = CustomerId\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n",
            "nope"
        ),
        schema_case!(
            "directive: expression references a missing column",
            b"-- mig:from Customer\n-- mig:set id = CustomerId\n-- mig:set a = NoSuchColumn\nCREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\n",
            "no such column: NoSuchColumn"
        ),
        schema_case!(
            "directive: expression does not compile",
            b"-- mig:from Customer\n-- mig:set a = (CustomerId +\nCREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\n",
            "bad.sql:2"
        ),
        schema_case!(
            "directive: above an index",
            b"CREATE TABLE t (id INTEGER PRIMARY KEY);\n-- mig:from Customer\nCREATE INDEX i ON t(id);\n",
            "bad.sql:2:1: mig: directives apply only to CREATE TABLE"
        ),
        schema_case!(
            "directive: above BEGIN",
            b"-- mig:from Customer\nBEGIN;\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n",
            "bad.sql:1:1: mig: directives apply only to CREATE TABLE, but a transaction statement follows"
        ),
        schema_case!(
            "directive: inside a statement",
            b"CREATE TABLE t (\n  -- mig:set id = 1\n  id INTEGER PRIMARY KEY);\n",
            "bad.sql:2:3: `-- mig:set id = 1` is inside a statement"
        ),
        schema_case!(
            "directive: after the last statement",
            b"CREATE TABLE t (id INTEGER PRIMARY KEY);\n-- mig:from Customer\n",
            "bad.sql:2:1: a mig: directive is not followed by a CREATE TABLE statement"
        ),
    ]
}
