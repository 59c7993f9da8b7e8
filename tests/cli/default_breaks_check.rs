//! A new column's DEFAULT that its own CHECK refuses. Found by a new user's
//! Mailman run (docs/reliability.md): on an empty table `plan` said "can
//! migrate: yes", and the first row the service wrote while recording
//! stopped the catch-up with advice that could not apply ("fix those rows
//! in the old database", which has no such column). `plan` now blocks it
//! from the schema alone, with the values SQLite itself would store.

use super::bad_input::snapshot;
use super::harness::{Project, FAILED};

const OLD: &str = "
CREATE TABLE member(id INTEGER PRIMARY KEY, email TEXT NOT NULL);
CREATE TABLE tag(id INTEGER PRIMARY KEY, label TEXT NOT NULL) STRICT;
PRAGMA journal_mode = WAL;";

#[test]
fn a_check_that_refuses_a_new_columns_default_blocks_plan_and_migrate_on_empty_tables() {
    let p = Project::custom(
        "lists",
        OLD,
        "CREATE TABLE member(id INTEGER PRIMARY KEY, email TEXT NOT NULL,
             bounce_state TEXT NOT NULL DEFAULT 'okay' CHECK (bounce_state IN ('ok', 'bouncing')));
         CREATE TABLE tag(id INTEGER PRIMARY KEY, label TEXT NOT NULL, score REAL NOT NULL DEFAULT 1.5,
             kind TEXT NOT NULL DEFAULT 'c', CHECK (kind IN ('a', 'b') AND score > 0)) STRICT;",
    );
    let plan = p.mig(&["plan", "--old", "old.db", "--new", "new.db"]);
    plan.fails(FAILED, "plan failed: migrate could not run: 2 blockers");
    plan.has_line("  - ./schema.sql:1: CHECK(bounce_state IN ('ok', 'bouncing')) of member refuses the value every copied row gets (bounce_state = 'okay'): the copy and the catch-up would stop at the first row of member (the old table has no such column to fix); change the DEFAULT or the CHECK, or give the column a value with `-- mig:set <column> = <expression>` above CREATE TABLE member")
        .has_line("can migrate: no");
    assert!(
        plan.stdout.lines().any(|l| l.starts_with(
            "  - ./schema.sql:3: CHECK(kind IN ('a', 'b') AND score > 0) of tag refuses the values every copied row gets (score = 1.5, kind = 'c')"
        )),
        "{plan:#?}"
    );
    let before = snapshot(&p.dir);
    p.migrate(&[])
        .fails(FAILED, "migrate failed: ")
        .contains("CHECK(bounce_state IN ('ok', 'bouncing')) of member refuses");
    assert_eq!(snapshot(&p.dir), before, "a refused migrate changed a file");
    assert!(!p.path("new.db").exists());
}

#[test]
fn defaults_their_checks_accept_by_sqlites_affinity_and_collation_are_migrated_and_replayed() {
    let p = Project::custom(
        "lists",
        OLD,
        // Each CHECK holds only as SQLite stores the value: NOCASE, the
        // INTEGER affinity of '5', a NULL, a CHECK that also reads a copied
        // column (decided per row, never from the schema alone).
        "CREATE TABLE member(id INTEGER PRIMARY KEY, email TEXT NOT NULL,
             state TEXT COLLATE NOCASE NOT NULL DEFAULT 'OK' CHECK (state IN ('ok')),
             tries INTEGER DEFAULT '5' CHECK (typeof(tries) = 'integer'),
             flag INTEGER CHECK (flag IN (0, 1)),
             note TEXT DEFAULT 'x' CHECK (note = 'y' OR email IS NOT NULL));
         CREATE TABLE tag(id INTEGER PRIMARY KEY, label TEXT NOT NULL,
             kind TEXT NOT NULL DEFAULT 'a' CHECK (kind IN ('a', 'b'))) STRICT;",
    );
    p.mig(&["plan", "--old", "old.db", "--new", "new.db"])
        .ok()
        .has_line("blockers: none")
        .has_line("can migrate: yes");
    p.migrate(&[]).ok();
    p.sql(
        "old.db",
        "INSERT INTO member(email) VALUES ('a@example.org'); INSERT INTO tag(label) VALUES ('x');",
    );
    p.mig(&["drain", "--old", "old.db", "--new", "new.db"]).ok();
    let new = rusqlite::Connection::open(p.path("new.db")).expect("open new.db");
    let row: (String, i64, String, String) = new
        .query_row(
            "SELECT m.state, m.tries, typeof(m.tries), t.kind FROM member m, tag t",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("the replayed rows");
    assert_eq!(row, ("OK".into(), 5, "integer".into(), "a".into()));
}

/// The refusal shows the columns the CHECK reads, as SQLite's authorizer
/// reports them: a one-letter column `a` was listed too (`a = 0, state =
/// 'new'`), its name being a substring of `CHECK (state IN ('okay', 'done'))`.
#[test]
fn a_refused_default_is_shown_with_only_the_columns_its_check_reads_not_a_one_letter_namesake() {
    let p = Project::custom(
        "lists",
        OLD,
        "CREATE TABLE member(id INTEGER PRIMARY KEY, email TEXT NOT NULL,
             a INTEGER NOT NULL DEFAULT 0,
             state TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('okay', 'done')));
         CREATE TABLE tag(id INTEGER PRIMARY KEY, label TEXT NOT NULL) STRICT;",
    );
    let plan = p.mig(&["plan", "--old", "old.db", "--new", "new.db"]);
    plan.fails(FAILED, "plan failed: migrate could not run: ");
    plan.line_starting(
        "  - ./schema.sql:1: CHECK(state IN ('okay', 'done')) of member refuses the value every copied row gets (state = 'new'): ",
    );
}
