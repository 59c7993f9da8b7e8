//! Real schemas' keys (issue 22): references to a missing renumbered parent
//! (the world database's cities naming states that do not exist) and rowid
//! tables whose declared composite key is NULL (PROJ's `usage`), each
//! migrated with a writer process running and compared with the oracle.

use std::path::Path;
use std::time::Duration;

use mig::engine::ops::{self, DrainOptions, MigrateOptions};
use mig::engine::schema::SchemaFile;
use rusqlite::Connection;

use crate::support::oracle::{self, Oracle};
use crate::support::runbook::{run, spec};
use crate::support::writer_process::{Outcome, WriterProcess, WriterSpec};

/// Migrates `old` to `schema` with a writer process running `write` on the
/// old database throughout: migrate, `between` (edits replay must carry),
/// drain, cutover; returns once the writer saw the new database ready.
fn migrate_with_writer(
    dir: &Path,
    old: &Path,
    new: &Path,
    schema: &SchemaFile,
    write: &str,
    between: impl FnOnce(),
) {
    let mut w = WriterProcess::start(
        dir,
        &WriterSpec {
            old,
            new,
            sql: write,
            pace: Duration::from_micros(500),
        },
    );
    w.wait_for(Outcome::Ok, 20);
    let spec = spec(old, new);
    run(|ctx| ops::migrate(&spec, schema, &MigrateOptions::default(), ctx)).expect("migrate");
    between();
    let before = w.log().count(Outcome::Ok);
    w.wait_for(Outcome::Ok, before + 20);
    run(|ctx| ops::drain(&spec, &DrainOptions::default(), ctx)).expect("drain");
    ops::cutover(&spec, &ops::CutoverOptions::default()).expect("cutover");
    w.wait_for(Outcome::Ready, 1);
    let log = w.stop();
    assert!(log.count(Outcome::Ok) >= before + 20, "{log:?}");
}

/// An old database (WAL) made by `old_sql`, and the schema `new_sql`.
pub(crate) struct Case {
    pub dir: tempfile::TempDir,
    pub old: std::path::PathBuf,
    pub new: std::path::PathBuf,
    pub schema: SchemaFile,
}

pub(crate) fn case(old_sql: &str, new_sql: &str) -> Case {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    Connection::open(&old)
        .and_then(|c| c.execute_batch(&format!("PRAGMA journal_mode = WAL;\n{old_sql}")))
        .expect("old database");
    let schema = SchemaFile::parse("schema.sql", new_sql).expect("schema parses");
    Case {
        dir,
        old,
        new,
        schema,
    }
}

impl Case {
    pub(crate) fn plan(&self) -> ops::PlanOutcome {
        ops::plan(
            &spec(&self.old, &self.new),
            &self.schema,
            &ops::PlanOptions::default(),
        )
        .expect("plan")
    }

    pub(crate) fn migrate_with_writer(&self, write: &str, between: impl FnOnce()) {
        migrate_with_writer(
            self.dir.path(),
            &self.old,
            &self.new,
            &self.schema,
            write,
            between,
        );
    }
}

const WORLD_OLD: &str = "
    CREATE TABLE states (name TEXT NOT NULL, country_code TEXT);
    CREATE TABLE cities (id INTEGER PRIMARY KEY, state_ref INTEGER, name TEXT NOT NULL);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
    INSERT INTO states(rowid, name, country_code) SELECT i, 'state ' || i, 'C' || (i % 5) FROM n;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
    INSERT INTO cities SELECT i, CASE WHEN i % 11 = 0 THEN NULL ELSE 1 + (i * 7) % 50 END, 'city ' || i FROM n;";

const WORLD_NEW: &str = "
    CREATE TABLE states (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country_code TEXT);
    -- mig:set state_id = state_ref
    CREATE TABLE cities (id INTEGER PRIMARY KEY, state_id INTEGER REFERENCES states(id), name TEXT NOT NULL);";

/// Issue 22, point 5: `plan` counts the children of a missing renumbered
/// parent before the copy and says what they get; the migration gives each
/// missing key one id no row holds, and ends equal to the oracle.
#[test]
fn plan_counts_references_to_missing_renumbered_parents_and_each_gets_one_unheld_id() {
    let c = case(WORLD_OLD, WORLD_NEW);
    let conn = Connection::open(&c.old).expect("old");
    let dangling: u64 = conn
        .query_row(
            "SELECT count(*) FROM cities WHERE state_ref IS NOT NULL AND state_ref NOT IN (SELECT rowid FROM states)",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert!(dangling > 100, "the case needs orphans: {dangling}");
    let p = c.plan();
    let fk: Vec<_> = p
        .assessment
        .constraints
        .iter()
        .filter(|k| k.table == "cities" && k.constraint.starts_with("FOREIGN KEY(state_id)"))
        .collect();
    assert_eq!(fk.len(), 1, "{:#?}", p.assessment.constraints);
    assert_eq!(fk[0].rows, dangling);
    assert!(
        fk[0].message().contains(
            "states is renumbered: each missing states key gets a new states id that no row holds"
        ),
        "{}",
        fk[0].message()
    );
    assert!(p.blockers.is_empty(), "{:?}", p.blockers);

    // The service keeps adding cities, most naming missing states.
    let write = "INSERT INTO cities(state_ref, name) VALUES (CASE WHEN ?1 % 9 = 0 THEN NULL ELSE 41 + ?1 % 13 END, 'new city ' || ?1)";
    c.migrate_with_writer(write, || {});
    oracle::compare(
        &c.old,
        &c.new,
        &Oracle {
            transform: "CREATE TABLE city AS SELECT c.id, c.state_ref IS NULL AS unset, s.name AS state, c.name FROM old.cities c LEFT JOIN old.states s ON s.rowid = c.state_ref;
                        CREATE TABLE orphan AS SELECT count(DISTINCT state_ref) AS keys FROM old.cities WHERE state_ref NOT IN (SELECT rowid FROM old.states);",
            checks: &[
                (
                    "SELECT quote(id), quote(unset), quote(state), quote(name) FROM main.city ORDER BY id",
                    "SELECT quote(c.id), quote(c.state_id IS NULL), quote(s.name), quote(c.name) FROM new.cities c LEFT JOIN new.states s ON s.id = c.state_id ORDER BY c.id",
                ),
                // One unheld id per distinct missing key, none shared by two keys.
                (
                    "SELECT quote(keys) FROM main.orphan",
                    "SELECT quote(count(DISTINCT state_id)) FROM new.cities WHERE state_id NOT IN (SELECT id FROM new.states)",
                ),
                (
                    "SELECT 'one id per key'",
                    "SELECT CASE WHEN EXISTS (SELECT 1 FROM old.cities o JOIN new.cities n ON n.id = o.id WHERE o.state_ref IS NOT NULL \
                     GROUP BY o.state_ref HAVING count(DISTINCT n.state_id) != 1) THEN 'a key has several ids' ELSE 'one id per key' END",
                ),
            ],
        },
    );
}

/// PROJ's `usage`: a rowid table whose composite PRIMARY KEY can be NULL,
/// and is, in every row; and a conversion table keyed NOT NULL on
/// (auth_name, code) that it names by value.
const PROJ_OLD: &str = "
    CREATE TABLE conversion (auth_name TEXT NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL,
      CONSTRAINT pk_conversion PRIMARY KEY (auth_name, code));
    CREATE TABLE usage (auth_name TEXT CHECK (auth_name IS NULL OR length(auth_name) >= 1),
      code TEXT CHECK (code IS NULL OR length(code) >= 1),
      object_table_name TEXT NOT NULL, object_auth_name TEXT NOT NULL, object_code TEXT NOT NULL,
      scope TEXT, CONSTRAINT pk_usage PRIMARY KEY (auth_name, code));
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
    INSERT INTO conversion SELECT 'EPSG', CAST(i AS TEXT), 'conversion ' || i FROM n;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
    INSERT INTO usage SELECT CASE WHEN i % 500 = 0 THEN 'PROJ' END, CASE WHEN i % 500 = 0 THEN CAST(i AS TEXT) END,
      'conversion', 'EPSG', CAST(1 + i % 500 AS TEXT), 'scope ' || (i % 17) FROM n;";

/// The usage table renamed and given a column; conversion kept.
const PROJ_NEW: &str = "
    CREATE TABLE conversion (auth_name TEXT NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL,
      CONSTRAINT pk_conversion PRIMARY KEY (auth_name, code));
    -- mig:from usage
    CREATE TABLE object_usage (auth_name TEXT, code TEXT, object_table_name TEXT NOT NULL,
      object_auth_name TEXT NOT NULL, object_code TEXT NOT NULL, scope TEXT, note TEXT DEFAULT 'migrated',
      CONSTRAINT pk_object_usage PRIMARY KEY (auth_name, code));";

/// Issue 22, point 1: the NULL composite key is tracked by the rowid, which
/// carries over; inserts, updates and deletes of NULL-keyed rows during the
/// migration are replayed; the new table equals the oracle row for row.
#[test]
fn a_rowid_table_whose_composite_key_is_null_migrates_tracked_by_its_rowid() {
    let c = case(PROJ_OLD, PROJ_NEW);
    let p = c.plan();
    assert!(p.blockers.is_empty(), "{:?}", p.blockers);
    assert!(
        p.plan
            .warnings
            .iter()
            .any(|w| w.starts_with("old table usage is tracked by rowid")),
        "{:?}",
        p.plan.warnings
    );
    let t = p.plan.table("object_usage").expect("object_usage planned");
    assert_eq!(t.key_mode, mig::engine::plan::KeyMode::Preserved);
    assert_eq!(t.rowid_expr.as_deref(), Some("rowid"));
    let write = "INSERT INTO usage(object_table_name, object_auth_name, object_code, scope) \
                 VALUES ('conversion', 'EPSG', CAST(1 + ?1 % 500 AS TEXT), 'written ' || ?1)";
    let conn = Connection::open(&c.old).expect("old");
    let edits = || {
        conn.execute_batch(
            "UPDATE usage SET scope = 'updated', code = NULL WHERE rowid % 97 = 0;
             DELETE FROM usage WHERE rowid % 89 = 0;
             UPDATE usage SET auth_name = 'PROJ', code = 'late' || rowid WHERE rowid % 101 = 0;",
        )
        .expect("edits by the test's own connection");
    };
    c.migrate_with_writer(write, edits);
    let compared = oracle::compare(
        &c.old,
        &c.new,
        &Oracle {
            transform: "CREATE TABLE object_usage AS SELECT rowid AS r, auth_name, code, object_table_name, object_auth_name, object_code, scope, 'migrated' AS note FROM old.usage;
                        CREATE TABLE conversion AS SELECT * FROM old.conversion;",
            checks: &[
                (
                    "SELECT quote(r), quote(auth_name), quote(code), quote(object_table_name), quote(object_auth_name), quote(object_code), quote(scope), quote(note) FROM main.object_usage ORDER BY r",
                    "SELECT quote(rowid), quote(auth_name), quote(code), quote(object_table_name), quote(object_auth_name), quote(object_code), quote(scope), quote(note) FROM new.object_usage ORDER BY rowid",
                ),
                (
                    "SELECT quote(auth_name), quote(code), quote(name) FROM main.conversion ORDER BY 1, 2",
                    "SELECT quote(auth_name), quote(code), quote(name) FROM new.conversion ORDER BY 1, 2",
                ),
            ],
        },
    );
    assert!(compared > 3000, "{compared}");
}
