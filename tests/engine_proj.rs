//! PROJ's own database, as shipped in the pyproj wheel (issue 22): 38
//! tables, 36 triggers, 7 views, composite `(auth_name, code)` keys and a
//! `usage` table whose composite key is NULL in every row. Migrated with a
//! writer process running to `tests/proj/schema.sql` (a table renamed, one
//! split, `geodetic_datum` renumbered with its children translated, every
//! trigger and view kept), and compared with the oracle table by table and
//! view by view.
//!
//! The wheel is downloaded once with the test venv's pip into
//! `target/proj-wheel` (a pinned version, any platform's wheel: only the
//! database file is read); without the package registry the test skips
//! with the reason, except under CI.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::engine_realkeys::Case;
use crate::support::oracle::{self, Oracle};
use crate::support::python;
use crate::support::writer_process::NEXT_WRITE;
use mig::engine::schema::SchemaFile;

/// The pyproj release whose proj.db the test migrates.
const PYPROJ: &str = "pyproj==3.7.2";
/// Where the wheel keeps the database.
const IN_WHEEL: &str = "pyproj/proj_dir/share/proj/proj.db";

/// `target/proj-wheel/proj.db`, extracted from the wheel (downloaded
/// first if missing), or why it cannot be had.
fn proj_db() -> Result<PathBuf, String> {
    let venv = python::venv()?;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/proj-wheel");
    let db = dir.join("proj.db");
    if db.exists() {
        return Ok(db);
    }
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let fetch = "import glob, subprocess, sys, zipfile
d = sys.argv[1]
subprocess.run([sys.executable, '-m', 'pip', 'download', '--quiet', '--disable-pip-version-check', '--no-deps',
    '--only-binary', ':all:', '--platform', 'manylinux_2_28_x86_64', '--python-version', '3.11',
    '--timeout', '20', '-d', d, sys.argv[2]], check=True)
wheel = glob.glob(d + '/pyproj-*.whl')[0]
open(d + '/proj.db.part', 'wb').write(zipfile.ZipFile(wheel).read(sys.argv[3]))";
    let out = std::process::Command::new(venv.python())
        .args(["-c", fetch])
        .arg(&dir)
        .args([PYPROJ, IN_WHEEL])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(format!(
            "pip download {PYPROJ} failed (is the package registry reachable?): {last}"
        ));
    }
    std::fs::rename(dir.join("proj.db.part"), &db).map_err(|e| e.to_string())?;
    Ok(db)
}

/// A copy of proj.db in a temporary folder, switched to WAL as a service
/// writing to it would (mig refuses a rollback-journal database by default).
fn proj_case(db: &Path) -> Case {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    std::fs::copy(db, &old).expect("copy proj.db");
    Connection::open(&old)
        .and_then(|c| c.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(())))
        .expect("WAL");
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/proj/schema.sql"),
    )
    .expect("tests/proj/schema.sql");
    let schema = SchemaFile::parse("schema.sql", &text).expect("schema parses");
    Case {
        dir,
        old,
        new,
        schema,
    }
}

/// A service editing PROJ's catalogue, taking turns: an alias added, an
/// extent's box moved, a datum added, a CRS naming it, a CRS moved to
/// another datum, an ensemble member naming the new datum, a datum deleted
/// while a CRS and a member still name it. PROJ's own triggers check each.
fn service_writes() -> String {
    [
        "INSERT INTO alias_name VALUES ('geodetic_crs', 'EPSG', 4326, 'alias ' || ?1, 'mig test')",
        "UPDATE extent SET west_lon = west_lon * 0.999 WHERE auth_name = 'EPSG' AND code = (SELECT code FROM extent WHERE auth_name = 'EPSG' ORDER BY code LIMIT 1 OFFSET ?1 % 3000)",
        "INSERT INTO geodetic_datum SELECT 'MIGTEST', ?1, name || ' ' || ?1, description, ellipsoid_auth_name, ellipsoid_code, prime_meridian_auth_name, prime_meridian_code, publication_date, frame_reference_epoch, ensemble_accuracy, anchor, anchor_epoch, deprecated FROM geodetic_datum WHERE auth_name = 'EPSG' AND code = 6326",
        "INSERT INTO geodetic_crs SELECT 'MIGTEST', ?1, 'crs ' || ?1, description, type, coordinate_system_auth_name, coordinate_system_code, 'MIGTEST', ?1 - 1, text_definition, deprecated FROM geodetic_crs WHERE auth_name = 'EPSG' AND code = 4326",
        "UPDATE geodetic_crs SET datum_code = coalesce((SELECT code FROM geodetic_datum WHERE auth_name = 'EPSG' ORDER BY code LIMIT 1 OFFSET ?1 % 500), datum_code) \
         WHERE auth_name = 'EPSG' AND code = (SELECT code FROM geodetic_crs WHERE auth_name = 'EPSG' AND datum_auth_name = 'EPSG' ORDER BY code LIMIT 1 OFFSET ?1 % 700)",
        "INSERT INTO geodetic_datum_ensemble_member VALUES ('EPSG', 6326, 'MIGTEST', ?1 - 3, 1000 + ?1)",
        "DELETE FROM geodetic_datum WHERE auth_name = 'MIGTEST' AND code = ?1 - 4",
    ]
    .join(NEXT_WRITE)
}

/// The tables the schema changes, as plain SQL over the final old database,
/// and every other table as it is; then each view read on both sides.
fn oracle_equal(c: &Case) -> usize {
    let old = Connection::open(&c.old).expect("old");
    let names = |ty: &str| -> Vec<String> {
        let mut s = old
            .prepare("SELECT name FROM sqlite_schema WHERE type = ?1 AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_mig%' ESCAPE '\\' AND name NOT LIKE '\\_migration%' ESCAPE '\\' ORDER BY name")
            .expect("names");
        let v = s
            .query_map([ty], |r| r.get(0))
            .expect("names")
            .collect::<Result<Vec<String>, _>>();
        v.expect("names")
    };
    let changed = [
        "alias_name",
        "extent",
        "geodetic_datum",
        "geodetic_crs",
        "geodetic_datum_ensemble_member",
    ];
    let mut transform = String::from(CHANGED_TRANSFORM);
    let mut checks: Vec<(String, String)> = CHANGED_CHECKS
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    for t in names("table")
        .iter()
        .filter(|t| !changed.contains(&t.as_str()))
    {
        transform.push_str(&format!(
            "CREATE TABLE main.\"{t}\" AS SELECT * FROM old.\"{t}\";\n"
        ));
        let cols = quoted_columns(&old, t);
        checks.push((
            format!("SELECT {cols} FROM main.\"{t}\" ORDER BY {cols}"),
            format!("SELECT {cols} FROM new.\"{t}\" ORDER BY {cols}"),
        ));
    }
    // Every view and trigger kept (mig's own guards aside), and each view
    // reads the same rows.
    for ty in ["view", "trigger"] {
        checks.push((
            format!("SELECT '{}'", names(ty).join(" ")),
            format!("SELECT group_concat(name, ' ') FROM (SELECT name FROM new.sqlite_schema WHERE type = '{ty}' AND name NOT LIKE '\\_mig\\_%' ESCAPE '\\' ORDER BY name)"),
        ));
    }
    for v in names("view") {
        let cols = quoted_columns(&old, &v);
        checks.push((
            format!("SELECT {cols} FROM old.\"{v}\" ORDER BY {cols}"),
            format!("SELECT {cols} FROM new.\"{v}\" ORDER BY {cols}"),
        ));
    }
    let checks: Vec<(&str, &str)> = checks
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    oracle::compare(
        &c.old,
        &c.new,
        &Oracle {
            transform: &transform,
            checks: &checks,
        },
    )
}

/// `quote("a"), quote("b"), …` over the columns of `table` (or view).
fn quoted_columns(conn: &Connection, table: &str) -> String {
    let mut s = conn
        .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")
        .expect("columns");
    let cols = s
        .query_map([table], |r| r.get::<_, String>(0))
        .expect("columns")
        .collect::<Result<Vec<_>, _>>()
        .expect("columns");
    cols.iter()
        .map(|c| format!("quote(\"{c}\")"))
        .collect::<Vec<_>>()
        .join(", ")
}

const CHANGED_TRANSFORM: &str = "
    CREATE TABLE object_alias AS SELECT rowid AS r, * FROM old.alias_name;
    CREATE TABLE extent AS SELECT auth_name, code, name, description, deprecated FROM old.extent;
    CREATE TABLE extent_bbox AS SELECT auth_name, code, south_lat, north_lat, west_lon, east_lon FROM old.extent;
    CREATE TABLE datum AS SELECT auth_name, code, name, description, ellipsoid_auth_name, ellipsoid_code, prime_meridian_auth_name,
      prime_meridian_code, publication_date, frame_reference_epoch, ensemble_accuracy, anchor, anchor_epoch, deprecated FROM old.geodetic_datum;
    CREATE TABLE crs AS SELECT c.auth_name, c.code, c.name, c.description, c.type, c.coordinate_system_auth_name, c.coordinate_system_code,
      c.datum_auth_name IS NULL OR c.datum_code IS NULL AS unset, d.auth_name AS da, d.code AS dc, c.text_definition, c.deprecated
      FROM old.geodetic_crs c LEFT JOIN old.geodetic_datum d ON d.auth_name = c.datum_auth_name AND d.code = c.datum_code;
    CREATE TABLE member AS SELECT m.rowid AS r, e.auth_name AS ea, e.code AS ec, p.auth_name AS pa, p.code AS pc, m.sequence
      FROM old.geodetic_datum_ensemble_member m
      LEFT JOIN old.geodetic_datum e ON e.auth_name = m.ensemble_auth_name AND e.code = m.ensemble_code
      LEFT JOIN old.geodetic_datum p ON p.auth_name = m.member_auth_name AND p.code = m.member_code;
";

const CHANGED_CHECKS: &[(&str, &str)] = &[
    (
        "SELECT quote(r), quote(table_name), quote(auth_name), quote(code), quote(alt_name), quote(source) FROM main.object_alias ORDER BY r",
        "SELECT quote(rowid), quote(table_name), quote(auth_name), quote(code), quote(alt_name), quote(source) FROM new.object_alias ORDER BY rowid",
    ),
    (
        "SELECT quote(auth_name), quote(code), quote(name), quote(description), quote(deprecated) FROM main.extent ORDER BY 1, 2",
        "SELECT quote(auth_name), quote(code), quote(name), quote(description), quote(deprecated) FROM new.extent ORDER BY 1, 2",
    ),
    (
        "SELECT quote(auth_name), quote(code), quote(south_lat), quote(north_lat), quote(west_lon), quote(east_lon) FROM main.extent_bbox ORDER BY 1, 2",
        "SELECT quote(auth_name), quote(code), quote(south_lat), quote(north_lat), quote(west_lon), quote(east_lon) FROM new.extent_bbox ORDER BY 1, 2",
    ),
    (
        "SELECT quote(auth_name), quote(code), quote(name), quote(description), quote(ellipsoid_auth_name), quote(ellipsoid_code), quote(prime_meridian_auth_name), \
         quote(prime_meridian_code), quote(publication_date), quote(frame_reference_epoch), quote(ensemble_accuracy), quote(anchor), quote(anchor_epoch), quote(deprecated) FROM main.datum ORDER BY 1, 2",
        "SELECT quote(auth_name), quote(code), quote(name), quote(description), quote(ellipsoid_auth_name), quote(ellipsoid_code), quote(prime_meridian_auth_name), \
         quote(prime_meridian_code), quote(publication_date), quote(frame_reference_epoch), quote(ensemble_accuracy), quote(anchor), quote(anchor_epoch), quote(deprecated) FROM new.geodetic_datum ORDER BY 1, 2",
    ),
    (
        "SELECT quote(auth_name), quote(code), quote(name), quote(description), quote(type), quote(coordinate_system_auth_name), quote(coordinate_system_code), \
         quote(unset), quote(da), quote(dc), quote(text_definition), quote(deprecated) FROM main.crs ORDER BY 1, 2",
        "SELECT quote(c.auth_name), quote(c.code), quote(c.name), quote(c.description), quote(c.type), quote(c.coordinate_system_auth_name), quote(c.coordinate_system_code), \
         quote(c.datum_id IS NULL), quote(d.auth_name), quote(d.code), quote(c.text_definition), quote(c.deprecated) \
         FROM new.geodetic_crs c LEFT JOIN new.geodetic_datum d ON d.id = c.datum_id ORDER BY 1, 2",
    ),
    (
        "SELECT quote(r), quote(ea), quote(ec), quote(pa), quote(pc), quote(sequence) FROM main.member ORDER BY r",
        "SELECT quote(m.rowid), quote(e.auth_name), quote(e.code), quote(p.auth_name), quote(p.code), quote(m.sequence) FROM new.geodetic_datum_ensemble_member m \
         LEFT JOIN new.geodetic_datum e ON e.id = m.ensemble_id LEFT JOIN new.geodetic_datum p ON p.id = m.member_id ORDER BY m.rowid",
    ),
];

/// Issue 22: proj.db as shipped migrates with a writer running — a table
/// renamed, one split, a composite-key table renumbered with its children
/// translated, every trigger and view kept — and equals the oracle.
#[test]
fn proj_db_as_shipped_migrates_with_a_writer_and_equals_the_oracle() {
    let test = "proj_db_as_shipped_migrates_with_a_writer_and_equals_the_oracle";
    let db = match proj_db() {
        Ok(db) => db,
        Err(why) if std::env::var_os("CI").is_some() => panic!("{test}: {why}"),
        Err(why) => {
            eprintln!("SKIPPED {test}: {why}");
            return;
        }
    };
    let c = proj_case(&db);
    let p = c.plan();
    assert!(p.blockers.is_empty(), "{:?}", p.blockers);
    let crs = p.plan.table("geodetic_crs").expect("geodetic_crs");
    let datum_id = crs.columns.iter().find(|c| c.name == "datum_id");
    assert_eq!(
        datum_id
            .and_then(|c| c.translate.as_ref())
            .map(|t| t.parent.as_str()),
        Some("geodetic_datum")
    );
    let conn = Connection::open(&c.old).expect("old");
    let edits = || {
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF;
             UPDATE usage SET scope_code = 1024 WHERE rowid % 97 = 0;
             DELETE FROM alias_name WHERE rowid % 89 = 0;
             UPDATE geodetic_crs SET datum_code = 9999999 WHERE auth_name = 'ESRI' AND datum_auth_name IS NOT NULL AND code % 5 = 0;",
        )
        .expect("edits by the test's own connection");
    };
    c.migrate_with_writer(&service_writes(), edits);
    let compared = oracle_equal(&c);
    assert!(compared > 78_000, "{compared}");
}
