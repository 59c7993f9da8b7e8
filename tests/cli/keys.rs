//! Issue 21's PROJ case with the real binary: `alias_name` of PROJ's
//! `proj.db` has no primary key and gets a surrogate `id INTEGER PRIMARY
//! KEY`; with a service process updating it a few hundred times a second,
//! mig 0.1 never caught up (each replayed entry scanned the table's whole id
//! mapping). `migrate` must catch up, `drain` must finish, and the new
//! database must equal the oracle. 20,000 rows by default; the 200,000 rows
//! of the issue are the ignored test below.

use crate::cli::harness::Project;
use crate::support::oracle::{self, Oracle};
use crate::support::service_writer::ServiceWriter;

const OLD: &str = "PRAGMA journal_mode = WAL;
CREATE TABLE geodetic_crs(auth_name TEXT NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL, deprecated BOOLEAN NOT NULL CHECK (deprecated IN (0, 1)), CONSTRAINT pk_geodetic_crs PRIMARY KEY (auth_name, code));
CREATE TABLE alias_name(table_name TEXT NOT NULL CHECK (table_name IN ('unit_of_measure', 'geodetic_crs', 'projected_crs')), auth_name TEXT NOT NULL, code TEXT NOT NULL, alt_name TEXT NOT NULL, source TEXT);";

const SCHEMA: &str = "CREATE TABLE geodetic_crs(auth_name TEXT NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL, deprecated BOOLEAN NOT NULL CHECK (deprecated IN (0, 1)), remarks TEXT, CONSTRAINT pk_geodetic_crs PRIMARY KEY (auth_name, code));
-- mig:from alias_name
CREATE TABLE alias_name(id INTEGER PRIMARY KEY, table_name TEXT NOT NULL, auth_name TEXT NOT NULL, code TEXT NOT NULL, alt_name TEXT NOT NULL, source TEXT);
CREATE INDEX alias_name_object ON alias_name(table_name, auth_name, code);";

/// The service: alias names renamed, added and removed; a CRS renamed.
const WRITES: &str = "UPDATE alias_name SET alt_name = alt_name || '.' WHERE rowid = ?1;
INSERT INTO alias_name(table_name, auth_name, code, alt_name, source) VALUES ('geodetic_crs', 'EPSG', ?1 % 5000, 'alias ' || ?1 || '/' || random(), 'service');
UPDATE geodetic_crs SET name = name || '.' WHERE code = CAST(?1 % 5000 AS TEXT) AND auth_name = 'EPSG';
UPDATE alias_name SET source = 'service ' || ?1 WHERE rowid = ?1 + 1;
DELETE FROM alias_name WHERE rowid = ?1 + 2";

const ORACLE: Oracle<'static> = Oracle {
    transform: "CREATE TABLE alias_name AS SELECT table_name, auth_name, code, alt_name, source FROM old.alias_name;
CREATE TABLE geodetic_crs AS SELECT auth_name, code, name, deprecated, NULL AS remarks FROM old.geodetic_crs;",
    checks: &[
        (
            "SELECT quote(table_name), quote(auth_name), quote(code), quote(alt_name), quote(source) FROM main.alias_name ORDER BY 1, 2, 3, 4, 5",
            "SELECT quote(table_name), quote(auth_name), quote(code), quote(alt_name), quote(source) FROM new.alias_name ORDER BY 1, 2, 3, 4, 5",
        ),
        (
            "SELECT 'distinct ids: ' || count(*) FROM main.alias_name",
            "SELECT 'distinct ids: ' || count(DISTINCT id) FROM new.alias_name",
        ),
        (
            "SELECT quote(auth_name), quote(code), quote(name), quote(deprecated), quote(remarks) FROM main.geodetic_crs ORDER BY 1, 2",
            "SELECT quote(auth_name), quote(code), quote(name), quote(deprecated), quote(remarks) FROM new.geodetic_crs ORDER BY 1, 2",
        ),
    ],
};

fn proj_shaped(rows: u64) -> Project {
    let p = Project::empty("proj");
    p.sql("old.db", OLD);
    p.sql(
        "old.db",
        &format!(
            "BEGIN;
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
             INSERT INTO geodetic_crs SELECT 'EPSG', i, 'CRS ' || i, i % 9 = 0 FROM n;
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
             INSERT INTO alias_name SELECT CASE i % 3 WHEN 0 THEN 'unit_of_measure' WHEN 1 THEN 'geodetic_crs' ELSE 'projected_crs' END,
               CASE WHEN i % 10 = 0 THEN 'ESRI' ELSE 'EPSG' END, i % 5000, 'Alias ' || i || ' ünïcødé', CASE WHEN i % 4 = 0 THEN NULL ELSE 'src' || (i % 17) END FROM n;
             COMMIT;"
        ),
    );
    p.write("schema.sql", SCHEMA);
    p
}

/// Migrate, drain and cut over while the service writes at `per_second`.
fn renumber_with_a_writer(rows: u64, per_second: u32) {
    let p = proj_shaped(rows);
    let writer = ServiceWriter::start(&p.path("old.db"), WRITES, rows, per_second);
    let args = ["--old", "old.db", "--new", "new.db"];
    p.mig(&[&["migrate"], &args[..], &["--schema", "schema.sql"]].concat())
        .ok()
        .line_starting("copied ");
    // The service keeps writing after the copy: a backlog for drain.
    let log = rusqlite::Connection::open(p.path("old.db")).expect("old");
    let logged = |c: &rusqlite::Connection| -> i64 {
        c.query_row("SELECT count(*) FROM _migration_log", [], |r| r.get(0))
            .expect("log")
    };
    let start = logged(&log);
    while logged(&log) < start + 200 {
        // Waiting for the service's writes, polled.
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    p.mig(&[&["drain"], &args[..]].concat()).ok();
    p.mig(&["cutover", "--new", "new.db"]).ok();
    let counts = writer.stop();
    assert!(
        counts.committed > 200,
        "the service wrote too little to prove anything: {counts:?}"
    );
    let compared = oracle::compare(&p.path("old.db"), &p.path("new.db"), &ORACLE);
    assert!(compared as u64 >= rows, "{compared} rows compared");
}

#[test]
fn a_table_without_a_primary_key_renumbered_under_a_writer_catches_up_and_drains() {
    renumber_with_a_writer(20_000, 300);
}

#[test]
#[ignore = "the issue's size, ~10 s: cargo test --features failpoints --test integration -- --ignored proj_sized"]
fn proj_sized_table_without_a_primary_key_renumbered_under_a_writer_catches_up_and_drains() {
    renumber_with_a_writer(200_000, 300);
}
