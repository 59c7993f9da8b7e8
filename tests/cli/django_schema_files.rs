//! What a Django team hands `--schema`. Found by the Wagtail run
//! (docs/reliability.md): `manage.py sqlmigrate home 0003` (Django's table
//! rebuild: `BEGIN;`, `CREATE TABLE "new__home_homepage"`, `INSERT INTO
//! ... SELECT`, `DROP TABLE`, `ALTER TABLE ... RENAME`, `COMMIT;`) was
//! refused as "INSERT statements do not belong in a schema file", without
//! what to give instead; the migration's Python file (`from django.db
//! import migrations, models`) as "FROM statements do not belong", as if
//! it were SQL. Both now say what the file is and what to pass, for
//! `plan` and `migrate`, in one line, and no file changes.

use super::bad_input::snapshot;
use super::harness::{Project, FAILED};

/// `manage.py sqlmigrate` on SQLite for a field added with `db_default`.
const SQLMIGRATE: &str = "BEGIN;
--
-- Add field featured to customer
--
CREATE TABLE \"new__customer\" (\"id\" integer NOT NULL PRIMARY KEY, \"full_name\" text NULL, \"featured\" bool DEFAULT 0 NOT NULL);
INSERT INTO \"new__customer\" (\"id\", \"full_name\") SELECT \"id\", \"full_name\" FROM \"customer\";
DROP TABLE \"customer\";
ALTER TABLE \"new__customer\" RENAME TO \"customer\";
COMMIT;
";

/// The head of the migration `makemigrations` wrote for it.
const MIGRATION_PY: &str = "from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('home', '0002_create_homepage')]
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
fn django_sqlmigrate_output_as_the_schema_says_to_give_the_whole_schema_and_changes_nothing() {
    for line in refused(
        "0003.sql",
        SQLMIGRATE,
        "6:1: INSERT statements do not belong in a schema file",
    ) {
        assert!(line.contains("not a migration script"), "{line}");
        assert!(line.contains("sqlmigrate"), "{line}");
        assert!(line.contains(".schema"), "{line}");
    }
}

#[test]
fn a_django_migration_py_as_the_schema_is_named_as_python_and_changes_nothing() {
    for line in refused("0003_featured.py", MIGRATION_PY, "1:1: this file is Python") {
        assert!(
            line.contains("give the complete target schema as SQL"),
            "{line}"
        );
    }
}
