//! The old database changed outside the recorded path while a migration
//! records: a table created or altered, or mig's triggers dropped (writes then go
//! unlogged). `status` warns and names `reset` as the next step, and `drain` refuses with one line before it
//! can succeed — also when the change lands during drain's own catch-up,
//! just before writes are refused. Writes keep flowing (nothing is frozen),
//! and `reset` then a new `migrate` recovers.

use mig::engine::ops::{self, DrainOptions, MigrateOptions};
use mig::engine::schema::SchemaFile;
use mig::engine::{EngineError, Event};

use super::harness::{Project, Run, FAILED};
use crate::support::runbook::{run, run_with, spec};
use crate::support::writer::Writer;
use crate::support::{fixture, oracle};

const FILES: [&str; 4] = ["--old", "old.db", "--new", "new.db"];

fn mig(p: &Project, args: &[&str]) -> Run {
    let mut all = args.to_vec();
    all.extend(FILES);
    p.mig(&all)
}

/// One recording trigger's name (`_mig_…`) on the old database.
fn a_trigger(p: &Project) -> String {
    rusqlite::Connection::open(p.path("old.db"))
        .and_then(|c| {
            c.query_row(
                "SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'Customer' AND name LIKE '\\_mig\\_%' ESCAPE '\\' ORDER BY name LIMIT 1",
                [],
                |r| r.get(0),
            )
        })
        .expect("a recording trigger on Customer")
}

fn marker(p: &Project) -> String {
    rusqlite::Connection::open(p.path("old.db"))
        .and_then(|c| c.query_row("SELECT status FROM _migration_marker", [], |r| r.get(0)))
        .expect("marker")
}

/// Migrate with a writer running, change the old catalog with `sql`, then:
/// status warns naming `change`, drain refuses naming it, writes still flow.
fn drift_is_refused(sql: &str, change: &str) {
    let p = Project::shop(300);
    let writer = Writer::start(p.path("old.db"), 77);
    writer.wait_committed(5);
    mig(&p, &["migrate", "--schema", "schema.sql"]).ok();
    p.sql("old.db", sql);
    let status = mig(&p, &["status"]).ok();
    let warning = status.line_starting("warning: ");
    assert!(
        warning.contains("changed outside the recorded path") && warning.contains(change),
        "{status:#?}"
    );
    // The next step is the way out drain names, never the drain it refuses.
    let next = status.line_starting("next: ");
    assert!(
        next.contains(change) && next.ends_with("run `mig reset` and migrate again"),
        "{status:#?}"
    );
    let run = mig(&p, &["drain"]);
    let line = run.fails(
        FAILED,
        "drain failed: the old database was changed outside the recorded path (",
    );
    assert!(
        line.contains(change) && line.ends_with("run `mig reset` and migrate again"),
        "{line}"
    );
    assert_eq!(
        marker(&p),
        "recording",
        "a refused drain left writes refused"
    );
    writer.wait_committed(writer.committed() + 20);
    assert_eq!(writer.refused(), 0, "writes were refused");
    let stats = writer.stop();
    // The way out the message names.
    mig(&p, &["reset", "--yes"]).ok();
    mig(
        &p,
        &["migrate", "--schema", "schema.sql", "--accept-data-loss"],
    )
    .ok();
    mig(&p, &["drain"]).ok();
    mig(&p, &["cutover"]).ok();
    oracle::assert_matches(&p.path("old.db"), &p.path("new.db"));
    assert!(stats.committed > 20, "{stats:?}");
}

#[test]
fn table_created_in_the_old_database_while_recording_is_refused_by_drain_and_warned_by_status() {
    drift_is_refused(
        "CREATE TABLE audit (at TEXT, what TEXT); INSERT INTO audit VALUES ('now', 'x')",
        "table audit was created",
    );
}

/// A service upgrade that adds a column to a recorded table (what an app
/// such as beets does at start when its model has a new field): the
/// values it writes there are in no recorded column.
#[test]
fn column_added_by_a_service_upgrade_while_recording_is_refused_by_drain_and_status_says_reset_next(
) {
    drift_is_refused(
        "ALTER TABLE Customer ADD COLUMN Rating INTEGER; UPDATE Customer SET Rating = 5",
        "table Customer was altered",
    );
}

#[test]
fn recording_trigger_dropped_while_recording_is_refused_by_drain_and_warned_by_status() {
    let p = Project::shop(1);
    // Trigger names are mig's own: learn one from a scratch migration.
    mig(&p, &["migrate", "--schema", "schema.sql"]).ok();
    let name = a_trigger(&p);
    drop(p);
    drift_is_refused(
        &format!("DROP TRIGGER \"{name}\""),
        &format!("trigger {name} was dropped"),
    );
}

/// The same change made while drain catches up (after its own check, just
/// before it refuses writes) is caught in the transaction that would have
/// refused them: the marker stays `recording`.
#[test]
fn trigger_dropped_during_drains_catch_up_is_caught_at_the_freeze() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    drop(fixture::create_old(&old, 200));
    let spec = spec(&old, &new);
    let schema = SchemaFile::parse("schema.sql", fixture::NEW_SCHEMA).expect("schema");
    run(|ctx| ops::migrate(&spec, &schema, &MigrateOptions::default(), ctx)).expect("migrate");
    let conn = rusqlite::Connection::open(&old).expect("open old");
    let name: String = conn
        .query_row(
            "SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '\\_mig\\_%' ESCAPE '\\' ORDER BY name LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("trigger");
    let dropper = rusqlite::Connection::open(&old).expect("open old");
    let drop_sql = format!("DROP TRIGGER IF EXISTS \"{name}\"");
    let hook = move |e: &Event| {
        if matches!(e, Event::Step { step: "freeze", .. }) {
            dropper.execute_batch(&drop_sql).expect("drop trigger");
        }
    };
    let result = run_with(hook, |ctx| ops::drain(&spec, &DrainOptions::default(), ctx));
    match result {
        Err(EngineError::Drift(m)) => {
            assert!(m.contains(&format!("trigger {name} was dropped")), "{m}")
        }
        other => panic!("drain should refuse the drift at the freeze: {other:?}"),
    }
    let status: String = conn
        .query_row("SELECT status FROM _migration_marker", [], |r| r.get(0))
        .expect("marker");
    assert_eq!(status, "recording");
}

/// After drain, writes are refused only through the recording triggers; a
/// table created then (and written to) would hold rows the new database
/// never saw. Cutover refuses, naming the change, and the new database stays
/// migrating; undoing the change lets the runbook finish.
#[test]
fn table_created_after_drain_is_refused_by_cutover() {
    let p = Project::shop(100);
    mig(&p, &["migrate", "--schema", "schema.sql"]).ok();
    mig(&p, &["drain"]).ok();
    p.sql(
        "old.db",
        "CREATE TABLE late (x TEXT); INSERT INTO late VALUES ('lost?')",
    );
    let run = mig(&p, &["cutover"]);
    let line = run.fails(
        FAILED,
        "cutover failed: the old database was changed outside the recorded path after drain (table late was created)",
    );
    assert!(
        line.contains("undo the change and rerun `mig drain`"),
        "{line}"
    );
    mig(&p, &["status"])
        .ok()
        .has_line("migration status: migrating");
    p.sql("old.db", "DROP TABLE late");
    mig(&p, &["cutover"]).ok();
    oracle::assert_matches(&p.path("old.db"), &p.path("new.db"));
}

/// Every file's bytes (the database and its WAL), to show a refusal
/// changed nothing.
fn bytes(p: &Project, names: &[&str]) -> Vec<Option<Vec<u8>>> {
    names
        .iter()
        .map(|n| std::fs::read(p.path(n)).ok())
        .collect()
}

/// An application's own schema migration run while mig records (MLflow's
/// alembic rebuilds a table in "batch" mode: copy, drop, rename) leaves the
/// rebuilt table without mig's triggers. `verify` used to compare the
/// tables as they now are, find them equal and certify the migration
/// (exit 0) while `status` said drain would refuse; it now refuses with
/// drain's line, certifies nothing and changes no file.
#[test]
fn verify_after_the_apps_own_table_rebuild_while_recording_is_refused_and_certifies_nothing() {
    let p = Project::shop(50);
    mig(&p, &["migrate", "--schema", "schema.sql"]).ok();
    p.sql(
        "old.db",
        "CREATE TABLE _alembic_tmp_Tag (OrderId INTEGER NOT NULL, Label TEXT NOT NULL, Weight REAL, PRIMARY KEY (OrderId, Label)) WITHOUT ROWID;
         INSERT INTO _alembic_tmp_Tag SELECT * FROM Tag; DROP TABLE Tag;
         ALTER TABLE _alembic_tmp_Tag RENAME TO Tag;
         INSERT INTO Tag VALUES (1, 'unrecorded', 1.0);",
    );
    let files = ["old.db", "old.db-wal", "new.db", "new.db-wal"];
    let before = bytes(&p, &files);
    let run = mig(&p, &["verify"]);
    let line = run.fails(
        FAILED,
        "verify failed: the old database was changed outside the recorded path (",
    );
    assert!(
        line.contains("table Tag was") && line.ends_with("run `mig reset` and migrate again"),
        "{line}"
    );
    assert!(
        bytes(&p, &files) == before,
        "a refused verify changed a file"
    );
    let status = mig(&p, &["status"]).ok();
    assert!(
        status
            .line_starting("certified: ")
            .starts_with("certified: no"),
        "{status:#?}"
    );
}
