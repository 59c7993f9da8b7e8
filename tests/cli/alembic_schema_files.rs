//! What an Alembic team hands `--schema`. Found by the Prefect run
//! (docs/reliability.md): a revision file (it opens with its docstring,
//! `"""Add SQLite covering indexes ... Revision ID: 27d8f4e1a6c9`) was
//! refused as `"""ADD SQLITE COVERING INDEXES ... """ statements do not
//! belong in a schema file`, the docstring upper-cased as if it were SQL,
//! and `alembic.ini` as `[ALEMBIC] statements`. Both now say what the file
//! is and what to give; `alembic upgrade --sql` output (its `UPDATE
//! alembic_version`) names Alembic. One line, exit 1, no file changed.

use super::bad_input::snapshot;
use super::harness::{Project, FAILED};

/// The head of Prefect's revision 27d8f4e1a6c9.
const REVISION_PY: &str = "\"\"\"Add SQLite covering indexes for observed state discovery.

Revision ID: 27d8f4e1a6c9
Revises: 8f5eda7c1dd7
Create Date: 2026-10-20 00:00:00.000000
\"\"\"

from alembic import op
";

const ALEMBIC_INI: &str = "[alembic]
script_location = prefect:server:database:_migrations
";

/// `alembic upgrade 8f5eda7c1dd7:27d8f4e1a6c9 --sql` (offline mode).
const OFFLINE_SQL: &str = "-- Running upgrade 8f5eda7c1dd7 -> 27d8f4e1a6c9

CREATE INDEX ix_orders_total ON orders (total_cents);

UPDATE alembic_version SET version_num='27d8f4e1a6c9' WHERE alembic_version.version_num = '8f5eda7c1dd7';
";

fn refused(file: &str, text: &str, prefix: &str) -> Vec<String> {
    let p = Project::shop(20);
    p.write(file, text);
    let before = snapshot(&p.dir);
    let mut lines = Vec::new();
    for cmd in ["plan", "migrate"] {
        let run = p.mig(&[cmd, "--old", "old.db", "--new", "new.db", "--schema", file]);
        lines.push(
            run.fails(FAILED, &format!("{cmd} failed: {file}:{prefix}"))
                .to_string(),
        );
    }
    assert_eq!(snapshot(&p.dir), before, "a file changed");
    lines
}

#[test]
fn an_alembic_revision_py_as_the_schema_is_named_as_python_and_changes_nothing() {
    for line in refused(
        "27d8f4e1a6c9_covering.py",
        REVISION_PY,
        "1:1: this file is Python (an Alembic revision, say), not SQL: it starts with a docstring",
    ) {
        assert!(
            line.contains("give the complete target schema as SQL"),
            "{line}"
        );
    }
}

#[test]
fn alembic_ini_as_the_schema_is_named_as_a_configuration_file_and_changes_nothing() {
    for line in refused(
        "alembic.ini",
        ALEMBIC_INI,
        "1:1: this file is a configuration file (INI or TOML: alembic.ini, prefect.toml), not SQL",
    ) {
        assert!(line.contains("[section]"), "{line}");
    }
}

#[test]
fn alembic_offline_sql_as_the_schema_names_alembic_and_changes_nothing() {
    for line in refused(
        "upgrade.sql",
        OFFLINE_SQL,
        "5:1: UPDATE statements do not belong in a schema file",
    ) {
        assert!(line.contains("Alembic's `upgrade --sql`"), "{line}");
        assert!(line.contains(".schema"), "{line}");
    }
}
