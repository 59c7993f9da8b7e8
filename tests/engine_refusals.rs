//! The old database's refusals carried by its recording triggers (one
//! trigger per table and write, the refusal picked by the marker's row):
//! draining, standby and retired refuse every write of a service with the
//! right line and leave no change, also on a table with its own triggers
//! and a foreign-key cascade; drain and cutover change no old schema; a
//! recording made by an older mig (no refusals carried) is armed by drain
//! as before, one carrying them inline (the mig before the helper view)
//! arms nothing; a revert and a reset leave no trigger of mig's. Each
//! trigger's text is short and names no path (the refusals' lines are held
//! once, by the helper view's trigger), each refusal is exactly its line,
//! and cleanup-old removes the helper.

use std::path::Path;

use mig::engine::guard::{message, GuardKind};
use mig::engine::open::Busy;
use mig::engine::ops::{self, ClosedBy, CutoverOptions, DrainOptions, MigrateOptions, Release};
use mig::engine::paths::DatabaseSpec;
use mig::engine::record::{
    catalog_listing, read_marker, CARRIED, CARRIED_INLINE, DRAINING_MESSAGE, REFUSAL,
};
use mig::engine::schema::SchemaFile;
use mig::engine::status;
use mig::engine::Event;
use rusqlite::Connection;

use crate::engine_drain::{as_recorded_by_an_older_mig, old_schema};
use crate::support::runbook::{run, run_with, spec};

/// A parent, a child cascading on delete and update, and an audit table
/// the user's own triggers write to.
const OLD: &str = "
CREATE TABLE parent(id INTEGER PRIMARY KEY, name TEXT UNIQUE);
CREATE TABLE child(id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id) ON DELETE CASCADE ON UPDATE CASCADE, v TEXT);
CREATE TABLE audit(id INTEGER PRIMARY KEY, what TEXT);
CREATE TRIGGER child_gone AFTER DELETE ON child BEGIN INSERT INTO audit(what) VALUES ('child ' || OLD.id); END;
CREATE TRIGGER parent_renamed BEFORE UPDATE ON parent BEGIN INSERT INTO audit(what) VALUES ('renamed ' || OLD.id); END;
WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 20)
INSERT INTO parent(id, name) SELECT k, 'p' || k FROM n;
WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 60)
INSERT INTO child(id, parent_id, v) SELECT k, 1 + k % 20, 'c' || k FROM n;
";

/// The new schema: the child gets a column; the user's triggers stay.
const NEW: &str = "
CREATE TABLE parent(id INTEGER PRIMARY KEY, name TEXT UNIQUE);
CREATE TABLE child(id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id) ON DELETE CASCADE ON UPDATE CASCADE, v TEXT, note TEXT);
CREATE TABLE audit(id INTEGER PRIMARY KEY, what TEXT);
CREATE TRIGGER child_gone AFTER DELETE ON child BEGIN INSERT INTO audit(what) VALUES ('child ' || OLD.id); END;
CREATE TRIGGER parent_renamed BEFORE UPDATE ON parent BEGIN INSERT INTO audit(what) VALUES ('renamed ' || OLD.id); END;
";

/// The writes a service makes, each reaching more than its own row: a
/// delete cascading to children (whose trigger writes the audit), a key
/// update cascading, a rename firing a BEFORE trigger, an insert, an
/// `INSERT OR REPLACE` over a UNIQUE name, a delete of every child.
const WRITES: [&str; 6] = [
    "DELETE FROM parent WHERE id = 1",
    "UPDATE parent SET id = 100 WHERE id = 2",
    "UPDATE parent SET name = 'renamed' WHERE id = 3",
    "INSERT INTO child(parent_id, v) VALUES (4, 'new')",
    "INSERT OR REPLACE INTO parent(id, name) VALUES (50, 'p5')",
    "DELETE FROM child",
];

fn migrated(dir: &Path) -> (std::path::PathBuf, DatabaseSpec) {
    migrated_to(dir, &dir.join("new.db"))
}

/// Every row of the user's tables in full, as text.
fn dump(old: &Path) -> Vec<String> {
    let conn = Connection::open(old).expect("old");
    let queries = [
        "SELECT 'parent|' || id || '|' || quote(name) FROM parent ORDER BY id",
        "SELECT 'child|' || id || '|' || quote(parent_id) || '|' || quote(v) FROM child ORDER BY id",
        "SELECT 'audit|' || id || '|' || quote(what) FROM audit ORDER BY id",
    ];
    let mut out = Vec::new();
    for q in queries {
        let mut stmt = conn.prepare(q).expect("dump");
        let got: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .expect("dump")
            .collect::<rusqlite::Result<_>>()
            .expect("dump");
        out.extend(got);
    }
    out
}

/// Every one of [`WRITES`], on a service's own connection with foreign
/// keys on, is refused with a line containing `expected`, and no row of
/// any table changed; else what went wrong.
fn refused_without_change(old: &Path, expected: &str) -> Result<(), String> {
    let before = dump(old);
    let conn = Connection::open(old).map_err(|e| e.to_string())?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(|e| e.to_string())?;
    for sql in WRITES {
        match conn.execute(sql, []) {
            Ok(n) => return Err(format!("{sql}: accepted ({n} rows)")),
            Err(e) if !e.to_string().contains(expected) => return Err(format!("{sql}: {e}")),
            Err(_) => {}
        }
    }
    match dump(old) == before {
        true => Ok(()),
        false => Err("a refused write changed a row".into()),
    }
}

/// While recording a write goes through with its cascade and the user's
/// triggers; while draining, as a standby and retired, each of [`WRITES`]
/// is refused with its line and changes nothing.
#[test]
fn a_refused_write_leaves_no_change_on_a_table_with_its_own_triggers_and_a_cascade() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, spec) = migrated(dir.path());
    let service = Connection::open(&old).expect("service");
    service
        .pragma_update(None, "foreign_keys", true)
        .expect("fk");
    service
        .execute("DELETE FROM parent WHERE id = 20", [])
        .expect("a write while recording");
    let audited: i64 = service
        .query_row("SELECT count(*) FROM audit", [], |r| r.get(0))
        .expect("audit");
    assert_eq!(audited, 3, "the cascade and the user's trigger ran");
    drop(service);
    assert_eq!(
        dump(&old).len(),
        79,
        "19 parents, 57 children, 3 audit rows"
    );
    // The first replay event after the freeze step comes with writes refused.
    let (mut frozen, mut draining) = (false, None);
    run_with(
        |e| match e {
            Event::Step { step: "freeze", .. } => frozen = true,
            Event::Replay { .. } if frozen && draining.is_none() => {
                draining = Some(refused_without_change(&old, DRAINING_MESSAGE))
            }
            _ => {}
        },
        |ctx| ops::drain(&spec, &DrainOptions::default(), ctx),
    )
    .expect("drain");
    assert_eq!(draining, Some(Ok(())), "while draining");
    let window = CutoverOptions {
        revert_window_secs: 3600,
        ..Default::default()
    };
    ops::cutover(&spec, &window).expect("cutover");
    refused_without_change(&old, "is a standby of a cut-over migration").expect("standby");
    ops::finalize(&spec, Busy::default(), ClosedBy::Finalize).expect("finalize");
    refused_without_change(&old, "retired by a migration").expect("retired");
}

/// Drain and cutover (no window) change no old schema — not a trigger,
/// not a table: the recording triggers refuse once the marker says
/// retired, one per table and write (status counts them), no guard.
#[test]
fn drain_and_cutover_change_no_old_schema_and_the_recording_triggers_refuse_after() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, spec) = migrated(dir.path());
    let recorded = old_schema(&old);
    assert!(!recorded.iter().any(|(n, _)| n.starts_with("_mig_guard_")));
    run(|ctx| ops::drain(&spec, &DrainOptions::default(), ctx)).expect("drain");
    assert_eq!(old_schema(&old), recorded, "drain changed the old schema");
    let st = status::status(&spec, Busy::default()).expect("status");
    assert_eq!(st.old_guards, 0, "nothing refuses as retired yet");
    ops::cutover(&spec, &CutoverOptions::default()).expect("cutover");
    assert_eq!(old_schema(&old), recorded, "cutover changed the old schema");
    let st = status::status(&spec, Busy::default()).expect("status");
    assert_eq!(st.old_guards, 3 * 3, "three tables, three writes each");
    refused_without_change(&old, "retired by a migration").expect("retired");
}

/// The SQL of the old database's `_mig_*` recording triggers, by name
/// (the helper view's trigger and guards apart).
fn recording_triggers(old: &Path) -> Vec<(String, String)> {
    old_schema(old)
        .into_iter()
        .filter(|(n, _)| n.starts_with("_mig_") && n != REFUSAL && !n.starts_with("_mig_guard_"))
        .collect()
}

/// A recording trigger's text is the same whatever the new database's
/// path and at most [`TRIGGER_BYTES`] (the refusals' lines, which name the
/// path, are held once by the helper view's trigger): every service
/// connection parses every trigger on each schema reload. Migrated twice,
/// to `new.db` and to a path 200 bytes longer.
#[test]
fn a_recording_triggers_text_is_short_and_the_same_whatever_the_new_path() {
    let short = tempfile::tempdir().expect("tempdir");
    let long = tempfile::tempdir().expect("tempdir");
    let deep = long.path().join("n".repeat(200));
    std::fs::create_dir_all(&deep).expect("a long new path");
    let (old_short, _) = migrated(short.path());
    let (old_long, _) = migrated_to(long.path(), &deep.join("new.db"));
    let (a, b) = (
        recording_triggers(&old_short),
        recording_triggers(&old_long),
    );
    assert_eq!(
        a.len(),
        11,
        "three writes each, two more for parent's UNIQUE name: {a:?}"
    );
    assert_eq!(a, b, "a trigger's text depends on the new path");
    for (name, sql) in &a {
        assert!(
            sql.len() <= TRIGGER_BYTES,
            "{name}: {} bytes: {sql}",
            sql.len()
        );
    }
}

/// What a recording trigger of [`OLD`]'s tables may take at most (about
/// 190 bytes here; the refusals inline took 700 and more).
const TRIGGER_BYTES: usize = 256;

/// Each refusal is exactly the line mig has always given, naming the new
/// database as the marker records it; `cleanup-old` then removes the
/// helper view with the marker and the log, and the retired guards it
/// leaves give the same line.
#[test]
fn the_refusals_are_exactly_their_lines_and_cleanup_old_removes_the_helper() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, spec) = migrated(dir.path());
    let new_path = marker_new_path(&old);
    assert!(has_object(&old, REFUSAL), "migrate created the helper");
    let (mut frozen, mut draining) = (false, None);
    run_with(
        |e| match e {
            Event::Step { step: "freeze", .. } => frozen = true,
            Event::Replay { .. } if frozen && draining.is_none() => draining = Some(refusal(&old)),
            _ => {}
        },
        |ctx| ops::drain(&spec, &DrainOptions::default(), ctx),
    )
    .expect("drain");
    assert_eq!(draining.as_deref(), Some(DRAINING_MESSAGE));
    let window = CutoverOptions {
        revert_window_secs: 3600,
        ..Default::default()
    };
    ops::cutover(&spec, &window).expect("cutover");
    assert_eq!(refusal(&old), message(GuardKind::Standby, &new_path));
    ops::finalize(&spec, Busy::default(), ClosedBy::Finalize).expect("finalize");
    let retired = message(GuardKind::Retired, &new_path);
    assert_eq!(refusal(&old), retired);
    ops::cleanup_old(&spec, Busy::default(), Release::Keep).expect("cleanup-old");
    assert!(!has_object(&old, REFUSAL), "cleanup-old left the helper");
    assert_eq!(
        recording_triggers(&old),
        vec![],
        "cleanup-old left a trigger"
    );
    assert_eq!(refusal(&old), retired);
}

/// A recording made by the mig before the helper view (each trigger
/// carrying the three refusals inline): drain still arms nothing and
/// changes no old schema, and cutover's retired refusal is its line.
#[test]
fn a_recording_with_the_refusals_inline_drains_without_arming_and_refuses_as_retired() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, spec) = migrated(dir.path());
    let new_path = marker_new_path(&old);
    as_inline_recording(&old, &new_path);
    let recorded = old_schema(&old);
    run(|ctx| ops::drain(&spec, &DrainOptions::default(), ctx)).expect("drain");
    assert_eq!(old_schema(&old), recorded, "drain changed the old schema");
    ops::cutover(&spec, &CutoverOptions::default()).expect("cutover");
    assert_eq!(old_schema(&old), recorded, "cutover changed the old schema");
    let st = status::status(&spec, Busy::default()).expect("status");
    assert_eq!(st.old_guards, 3 * 3, "three tables, three writes each");
    assert_eq!(refusal(&old), message(GuardKind::Retired, &new_path));
}

/// Rewrites `old`'s recording triggers as the mig before the helper view
/// made them (the refusals inline, no helper) and records them so.
fn as_inline_recording(old: &Path, new_path: &str) {
    let lit = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let inline = format!(
        "SELECT CASE (SELECT status FROM _migration_marker WHERE id = 1) WHEN 'recording' THEN NULL {CARRIED_INLINE}{}) WHEN 'retired' THEN RAISE(ABORT, {}) ELSE RAISE(ABORT, {}) END;",
        lit(&message(GuardKind::Standby, new_path)),
        lit(&message(GuardKind::Retired, new_path)),
        lit(DRAINING_MESSAGE)
    );
    let conn = Connection::open(old).expect("old");
    let mut sql = String::from("BEGIN;");
    for (name, trigger) in recording_triggers(old) {
        let trigger = trigger.replacen(CARRIED, &inline, 1);
        sql.push_str(&format!("DROP TRIGGER \"{name}\"; {trigger};"));
    }
    sql.push_str(&format!("DROP VIEW {REFUSAL}; COMMIT;"));
    conn.execute_batch(&sql).expect("the inline triggers");
    let listing = catalog_listing(&conn, "main").expect("listing");
    conn.execute("UPDATE _migration_marker SET catalog = ?1", [listing])
        .expect("recorded");
}

/// [`migrated`], to the new database `new`.
pub(crate) fn migrated_to(dir: &Path, new: &Path) -> (std::path::PathBuf, DatabaseSpec) {
    let old = dir.join("old.db");
    let conn = Connection::open(&old).expect("old");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("WAL");
    conn.execute_batch(OLD).expect("old tables");
    drop(conn);
    let spec = spec(&old, new);
    let schema = SchemaFile::parse("schema.sql", NEW).expect("schema");
    run(|ctx| ops::migrate(&spec, &schema, &MigrateOptions::default(), ctx)).expect("migrate");
    (old, spec)
}

/// The error a service's insert gets (it must be refused).
fn refusal(old: &Path) -> String {
    let conn = Connection::open(old).expect("service");
    match conn.execute("INSERT INTO audit(what) VALUES ('refused?')", []) {
        Ok(_) => panic!("a write was accepted"),
        Err(e) => e.to_string(),
    }
}

fn marker_new_path(old: &Path) -> String {
    let conn = Connection::open(old).expect("old");
    read_marker(&conn, "main")
        .expect("marker")
        .expect("a marker")
        .new_path
}

fn has_object(old: &Path, name: &str) -> bool {
    old_schema(old).iter().any(|(n, _)| n == name)
}

/// A recording an older mig made (its triggers refuse only while
/// draining, reading the marker by name) whose marker knows only
/// recording and draining: drain widens the marker's CHECK while it arms
/// the guards (a table made anew under the old name), and the triggers
/// still read it, so a service's write gets draining's line, then after
/// cutover the retired one, never "no such table" (the rename had rewritten
/// every trigger's reference to the table it then dropped).
#[test]
fn an_older_recording_whose_marker_drain_widens_still_refuses_with_its_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, spec) = migrated(dir.path());
    let new_path = marker_new_path(&old);
    as_recorded_by_an_older_mig(&old);
    as_two_status_marker(&old);
    run(|ctx| ops::drain(&spec, &DrainOptions::default(), ctx)).expect("drain");
    assert_eq!(refusal(&old), DRAINING_MESSAGE);
    ops::cutover(&spec, &CutoverOptions::default()).expect("cutover");
    assert_eq!(refusal(&old), message(GuardKind::Retired, &new_path));
}

/// Narrows `old`'s marker CHECK to the two statuses an older mig knew, in
/// place (no reference to the marker changes), and records the catalog.
fn as_two_status_marker(old: &Path) {
    let conn = Connection::open(old).expect("old");
    let version: i64 = conn
        .query_row("PRAGMA schema_version", [], |r| r.get(0))
        .expect("version");
    conn.execute_batch(&format!(
        "PRAGMA writable_schema = ON;
         UPDATE sqlite_schema SET sql = replace(sql, 'IN ({}))', 'IN (''recording'', ''draining''))') WHERE name = '_migration_marker';
         PRAGMA writable_schema = OFF;
         PRAGMA schema_version = {};",
        mig::engine::record::MARKER_STATUSES.replace('\'', "''"),
        version + 1
    ))
    .expect("the two-status marker");
    drop(conn);
    let conn = Connection::open(old).expect("old");
    let sql: String = conn
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE name = '_migration_marker'",
            [],
            |r| r.get(0),
        )
        .expect("marker");
    assert!(!sql.contains("'standby'"), "{sql}");
    let listing = catalog_listing(&conn, "main").expect("listing");
    conn.execute("UPDATE _migration_marker SET catalog = ?1", [listing])
        .expect("recorded");
}
