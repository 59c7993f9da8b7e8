//! A database whose application defines a collation of its own (Anki's
//! `unicase`, registered with `sqlite3_create_collation` on the app's
//! connections): mig's connections do not have it, so the first read of a
//! table indexed by it fails. The bug it guards: `plan` and `migrate` said
//! only `counting rows of fields: no such collation sequence: unicase`
//! (reported as an internal error through an agent), and a schema file
//! naming such a collation got SQLite's bare message. Now each is one line
//! naming the collation and what to do, exit 1, no file changed — locally
//! and through a real agent over mutual TLS.

use crate::support::agent::TestAgent;

use super::harness::{Project, FAILED};
use super::real_agent::operator_on;

/// Anki's `fields` table, as its application creates it (with NOCASE here,
/// renamed to `unicase` below: the same file an app with its own collation
/// writes for ASCII names).
const OLD: &str = "
PRAGMA journal_mode = WAL;
CREATE TABLE notes (id INTEGER PRIMARY KEY, flds TEXT NOT NULL);
CREATE TABLE fields (
  ntid integer NOT NULL, ord integer NOT NULL, name text NOT NULL COLLATE NOCASE,
  config blob NOT NULL, PRIMARY KEY (ntid, ord)
) WITHOUT ROWID;
CREATE UNIQUE INDEX idx_fields_name_ntid ON fields (name, ntid);
INSERT INTO notes VALUES (1, 'front'), (2, 'back');
INSERT INTO fields VALUES (1, 0, 'Front', x''), (1, 1, 'Back', x'');
";

/// The team's target schema drops the app's collation for a built-in one.
const SCHEMA: &str = "
CREATE TABLE notes (id INTEGER PRIMARY KEY, flds TEXT NOT NULL);
CREATE TABLE fields (
  ntid integer NOT NULL, ord integer NOT NULL, name text NOT NULL COLLATE NOCASE,
  config blob NOT NULL, PRIMARY KEY (ntid, ord)
) WITHOUT ROWID;
CREATE UNIQUE INDEX idx_fields_name_ntid ON fields (name, ntid);
";

/// `old.db` as an application with its own `unicase` collation leaves it.
fn anki_like() -> Project {
    let p = Project::custom("anki", OLD, SCHEMA);
    p.sql(
        "old.db",
        "PRAGMA writable_schema = ON;
         UPDATE sqlite_schema SET sql = replace(sql, 'COLLATE NOCASE', 'COLLATE unicase')
           WHERE name = 'fields';
         UPDATE sqlite_schema SET sql = replace(sql, '(name, ntid)', '(name COLLATE unicase, ntid)')
           WHERE name = 'idx_fields_name_ntid';
         PRAGMA writable_schema = OFF;",
    );
    p
}

/// The database files in the folder (the agent's lock file, log and
/// certificates aside), each with a hash of its bytes.
fn snapshot(p: &Project) -> Vec<(String, u64)> {
    use std::hash::{Hash, Hasher};
    p.files()
        .into_iter()
        .filter(|f| {
            (f.starts_with("old.db") || f.starts_with("new.db")) && !f.ends_with(".mig-lock")
        })
        .map(|f| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            std::fs::read(p.path(&f)).unwrap_or_default().hash(&mut h);
            (f, h.finish())
        })
        .collect()
}

const NAMES_IT: &str =
    "the database uses collation `unicase`, which its application defines on its own connections";

#[test]
fn old_database_with_an_app_collation_is_refused_naming_it_locally() {
    let p = anki_like();
    let before = snapshot(&p);
    let files = [
        "--old",
        "old.db",
        "--new",
        "new.db",
        "--schema",
        "schema.sql",
    ];
    for cmd in ["plan", "migrate"] {
        let mut args = vec![cmd];
        args.extend_from_slice(&files);
        let run = p.mig(&args);
        let line = run.fails(FAILED, &format!("{cmd} failed: "));
        assert!(line.contains(NAMES_IT), "{cmd}: {line}");
        assert!(line.contains("nothing was changed"), "{cmd}: {line}");
        assert_eq!(snapshot(&p), before, "{cmd} changed a file");
    }
}

#[test]
fn old_database_with_an_app_collation_is_refused_through_a_real_agent() {
    let p = anki_like();
    let agent = TestAgent::start(&p.dir, &[("anki", &p.path("old.db"), &p.path("new.db"))]);
    let operator = operator_on(&agent, "anki", p.dir.clone());
    let before = snapshot(&p);
    for cmd in ["plan", "migrate"] {
        let run = operator(&[cmd, "--schema", "schema.sql"]);
        let line = run.fails(FAILED, &format!("{cmd} failed: "));
        assert!(line.contains(NAMES_IT), "{cmd}: {line}");
        assert!(!line.to_lowercase().contains("internal"), "{cmd}: {line}");
    }
    let after = snapshot(&p);
    assert_eq!(after, before, "a refused command changed a file");
}

#[test]
fn schema_naming_an_app_collation_says_it_is_not_built_in() {
    let p = Project::custom(
        "anki",
        OLD,
        &SCHEMA.replace("COLLATE NOCASE", "COLLATE unicase"),
    );
    let before = snapshot(&p);
    let run = p.mig(&[
        "plan",
        "--old",
        "old.db",
        "--new",
        "new.db",
        "--schema",
        "schema.sql",
    ]);
    let line = run.fails(FAILED, "plan failed: schema.sql:3:1: ");
    assert!(
        line.contains("no such collation sequence: unicase: not one of SQLite's built-in collations (BINARY, NOCASE, RTRIM)"),
        "{line}"
    );
    assert!(line.contains("use a built-in one in the schema"), "{line}");
    assert_eq!(snapshot(&p), before);
}
