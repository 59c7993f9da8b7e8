//! A schema file that is the old database's own schema (a new user's
//! `sqlite3 old.db .schema > schema.sql`, or the wrong file picked): there
//! is nothing to migrate. `plan` says so in one line and `migrate` refuses
//! it (exit 1, one line, no file changed) unless `--allow-same-schema`
//! asks for the rebuild. Compared on the compiled catalog: the dump's text
//! differs from the old catalog's (`CREATE TABLE IF NOT EXISTS "…"` for a
//! renamed table, `CREATE TABLE sqlite_sequence`, other whitespace), and a
//! schema differing only by a CHECK or an index is a migration.

use super::bad_input::snapshot;
use super::harness::{Project, FAILED};

/// The service's own schema, as it created it over the years: an
/// AUTOINCREMENT table (so `sqlite_sequence`), a table renamed by ALTER
/// TABLE (stored quoted), a CHECK, an index, a view and a trigger.
const OLD: &str = "
CREATE TABLE tickets(id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL,
    status TEXT DEFAULT 'open' CHECK (status IN ('open','closed')));
CREATE TABLE notes_v1(id INTEGER PRIMARY KEY, ticket INTEGER REFERENCES tickets(id), body TEXT);
ALTER TABLE notes_v1 RENAME TO \"ticket notes\";
CREATE   INDEX tickets_status ON tickets(status);
CREATE VIEW open_tickets AS SELECT id, title FROM tickets WHERE status = 'open';
CREATE TRIGGER tickets_closed AFTER UPDATE OF status ON tickets
    BEGIN UPDATE \"ticket notes\" SET body = body WHERE ticket = new.id; END;
INSERT INTO tickets(title, status) VALUES ('a', 'open'), ('b', 'closed'), ('c', 'open');
INSERT INTO \"ticket notes\"(ticket, body) VALUES (1, 'x'), (2, 'y');
PRAGMA journal_mode = WAL;
";

/// The old database's schema as the sqlite3 shell dumps it.
fn dumped(p: &Project) -> String {
    let out = std::process::Command::new("sqlite3")
        .arg(p.path("old.db"))
        .arg(".schema")
        .output()
        .expect("run the sqlite3 shell");
    assert!(out.status.success(), "sqlite3 .schema: {out:?}");
    String::from_utf8(out.stdout).expect("utf-8 schema")
}

fn project() -> Project {
    let p = Project::custom("same", OLD, "");
    let dump = dumped(&p);
    // The text differs from the old catalog's: what the comparison must see through.
    assert!(dump.contains("CREATE TABLE sqlite_sequence"), "{dump}");
    assert!(dump.contains("IF NOT EXISTS"), "{dump}");
    p.write("schema.sql", &dump);
    p
}

const SAME: &str = "the schema file describes the old database's own schema";

#[test]
fn plan_says_a_dumped_old_schema_has_nothing_to_migrate_and_migrate_refuses_it() {
    let p = project();
    let plan = p.mig(&["plan", "--old", "old.db", "--schema", "schema.sql"]);
    assert_eq!(plan.code, 0, "{plan:#?}");
    let said: Vec<&str> = plan
        .stdout
        .lines()
        .chain(plan.stderr.lines())
        .filter(|l| l.contains(SAME))
        .collect();
    assert_eq!(said.len(), 1, "plan must say it once: {plan:#?}");
    assert!(said[0].contains("--allow-same-schema"), "{}", said[0]);

    let before = snapshot(&p.dir);
    let run = p.migrate(&[]);
    let line = run.fails(FAILED, "migrate failed: ");
    assert!(
        line.contains(SAME) && line.contains("--allow-same-schema"),
        "{line}"
    );
    assert_eq!(snapshot(&p.dir), before, "a refused migrate changed a file");
    let status = p
        .mig(&["status", "--old", "old.db", "--new", "new.db"])
        .ok();
    assert_eq!(status.line_starting("phase: "), "phase: not started");
}

#[test]
fn allow_same_schema_rebuilds_the_database_and_verify_certifies_it() {
    let p = project();
    p.migrate(&["--allow-same-schema"]).ok();
    p.mig(&["verify", "--old", "old.db", "--new", "new.db"])
        .ok();
    let conn = rusqlite::Connection::open(p.path("new.db")).expect("open new");
    let rows: i64 = conn
        .query_row(
            "SELECT (SELECT count(*) FROM tickets) * 10 + (SELECT count(*) FROM \"ticket notes\")",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(rows, 32);
}

#[test]
fn a_schema_differing_only_by_a_check_or_an_index_is_a_migration() {
    for (what, from, to) in [
        (
            "a CHECK",
            "CHECK (status IN ('open','closed'))",
            "CHECK (status IN ('open','closed','stale'))",
        ),
        (
            "an index",
            "CREATE INDEX tickets_status ON tickets(status);",
            "CREATE INDEX tickets_status ON tickets(status, title);",
        ),
    ] {
        let p = project();
        let dump = dumped(&p);
        assert!(dump.contains(from), "{what}: {dump}");
        p.write("schema.sql", &dump.replace(from, to));
        let plan = p
            .mig(&["plan", "--old", "old.db", "--schema", "schema.sql"])
            .ok();
        assert!(
            !plan.stdout.contains(SAME) && !plan.stderr.contains(SAME),
            "{what}: {plan:#?}"
        );
        p.migrate(&[]).ok();
    }
}
