//! References to a renumbered parent whose old key is composite (issue 22,
//! point 2): PROJ's `auth_name, code` model. The parent gets an INTEGER
//! PRIMARY KEY; each child's `(x_auth_name, x_code)` becomes one `x_id`
//! translated through the parent's id mapping — inferred from the old
//! table's only FOREIGN KEY to the parent, or named by a row value where
//! a child has two. Each case ends equal to the oracle.

use mig::engine::ops::{self, DrainOptions, MigrateOptions};
use mig::engine::plan::KeyMode;
use rusqlite::Connection;

use crate::engine_realkeys::{case, Case};
use crate::support::oracle::{self, Oracle};
use crate::support::runbook::{run, spec};
use crate::support::writer_process::NEXT_WRITE;

/// PROJ's datums and what references them: a geodetic CRS names its datum
/// by (auth_name, code); an ensemble member names two datums.
pub(crate) const OLD: &str = "
    PRAGMA foreign_keys = OFF;
    CREATE TABLE geodetic_datum (auth_name TEXT NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL,
      deprecated BOOLEAN NOT NULL, CONSTRAINT pk_geodetic_datum PRIMARY KEY (auth_name, code)) WITHOUT ROWID;
    CREATE TABLE geodetic_crs (auth_name TEXT NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL,
      datum_auth_name TEXT, datum_code TEXT,
      CONSTRAINT pk_geodetic_crs PRIMARY KEY (auth_name, code),
      CONSTRAINT fk_geodetic_crs_datum FOREIGN KEY (datum_auth_name, datum_code) REFERENCES geodetic_datum(auth_name, code)) WITHOUT ROWID;
    CREATE TABLE geodetic_datum_ensemble_member (ensemble_auth_name TEXT NOT NULL, ensemble_code TEXT NOT NULL,
      member_auth_name TEXT NOT NULL, member_code TEXT NOT NULL, sequence INTEGER NOT NULL,
      FOREIGN KEY (ensemble_auth_name, ensemble_code) REFERENCES geodetic_datum(auth_name, code),
      FOREIGN KEY (member_auth_name, member_code) REFERENCES geodetic_datum(auth_name, code));
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
    INSERT INTO geodetic_datum SELECT CASE WHEN i % 50 = 0 THEN 'IGNF' ELSE 'EPSG' END, CAST(i AS TEXT), 'datum ' || i, i % 7 = 0 FROM n;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500)
    INSERT INTO geodetic_crs SELECT 'EPSG', CAST(i AS TEXT), 'crs ' || i,
      CASE WHEN i % 17 = 0 THEN NULL ELSE 'EPSG' END,
      CASE WHEN i % 13 = 0 THEN NULL ELSE CAST(1 + i % 330 AS TEXT) END FROM n;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
    INSERT INTO geodetic_datum_ensemble_member SELECT 'EPSG', CAST(1 + i % 20 AS TEXT), 'EPSG', CAST(1 + (i * 7) % 310 AS TEXT), i FROM n;";

/// The datum renumbered; the CRS's reference inferred from its one FOREIGN
/// KEY; the ensemble member's two named by row values.
pub(crate) const NEW: &str = "
    CREATE TABLE geodetic_datum (id INTEGER PRIMARY KEY, auth_name TEXT NOT NULL, code TEXT NOT NULL,
      name TEXT NOT NULL, deprecated BOOLEAN NOT NULL, UNIQUE (auth_name, code));
    CREATE TABLE geodetic_crs (auth_name TEXT NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL,
      datum_id INTEGER REFERENCES geodetic_datum(id),
      CONSTRAINT pk_geodetic_crs PRIMARY KEY (auth_name, code)) WITHOUT ROWID;
    -- mig:set ensemble_id = (ensemble_auth_name, ensemble_code)
    -- mig:set member_id = (member_auth_name, member_code)
    CREATE TABLE geodetic_datum_ensemble_member (ensemble_id INTEGER NOT NULL REFERENCES geodetic_datum(id),
      member_id INTEGER NOT NULL REFERENCES geodetic_datum(id), sequence INTEGER NOT NULL);";

/// The same mapping as plain SQL over the final old database: every
/// reference compared through the natural key of the datum it reaches.
pub(crate) fn oracle_equal(c: &Case) -> usize {
    oracle::compare(
        &c.old,
        &c.new,
        &Oracle {
            transform: "CREATE TABLE datum AS SELECT auth_name, code, name, deprecated FROM old.geodetic_datum;
                CREATE TABLE crs AS SELECT c.auth_name, c.code, c.name,
                  c.datum_auth_name IS NULL OR c.datum_code IS NULL AS unset, d.auth_name AS da, d.code AS dc
                  FROM old.geodetic_crs c LEFT JOIN old.geodetic_datum d ON d.auth_name = c.datum_auth_name AND d.code = c.datum_code;
                CREATE TABLE member AS SELECT m.rowid AS r, e.code AS ec, p.code AS pc, m.sequence
                  FROM old.geodetic_datum_ensemble_member m
                  LEFT JOIN old.geodetic_datum e ON e.auth_name = m.ensemble_auth_name AND e.code = m.ensemble_code
                  LEFT JOIN old.geodetic_datum p ON p.auth_name = m.member_auth_name AND p.code = m.member_code;
                CREATE TABLE missing AS SELECT count(*) AS keys FROM (
                  SELECT datum_auth_name AS a, datum_code AS k FROM old.geodetic_crs WHERE a IS NOT NULL AND k IS NOT NULL
                  UNION SELECT ensemble_auth_name, ensemble_code FROM old.geodetic_datum_ensemble_member
                  UNION SELECT member_auth_name, member_code FROM old.geodetic_datum_ensemble_member)
                  WHERE (a, k) NOT IN (SELECT auth_name, code FROM old.geodetic_datum);",
            checks: &[
                (
                    "SELECT quote(auth_name), quote(code), quote(name), quote(deprecated) FROM main.datum ORDER BY 1, 2",
                    "SELECT quote(auth_name), quote(code), quote(name), quote(deprecated) FROM new.geodetic_datum ORDER BY 1, 2",
                ),
                (
                    "SELECT quote(auth_name), quote(code), quote(name), quote(unset), quote(da), quote(dc) FROM main.crs ORDER BY 1, 2",
                    "SELECT quote(c.auth_name), quote(c.code), quote(c.name), quote(c.datum_id IS NULL), quote(d.auth_name), quote(d.code) \
                     FROM new.geodetic_crs c LEFT JOIN new.geodetic_datum d ON d.id = c.datum_id ORDER BY 1, 2",
                ),
                (
                    "SELECT quote(r), quote(ec), quote(pc), quote(sequence) FROM main.member ORDER BY r",
                    "SELECT quote(m.rowid), quote(e.code), quote(p.code), quote(m.sequence) FROM new.geodetic_datum_ensemble_member m \
                     LEFT JOIN new.geodetic_datum e ON e.id = m.ensemble_id LEFT JOIN new.geodetic_datum p ON p.id = m.member_id ORDER BY m.rowid",
                ),
                // One id no row holds per distinct missing key, shared by every child naming it.
                (
                    "SELECT quote(keys) FROM main.missing",
                    "SELECT quote(count(DISTINCT i)) FROM (SELECT datum_id AS i FROM new.geodetic_crs UNION ALL SELECT ensemble_id FROM new.geodetic_datum_ensemble_member \
                     UNION ALL SELECT member_id FROM new.geodetic_datum_ensemble_member) WHERE i NOT IN (SELECT id FROM new.geodetic_datum)",
                ),
                (
                    "SELECT 'one id per key'",
                    "SELECT CASE WHEN EXISTS (SELECT 1 FROM (\
                       SELECT o.datum_auth_name AS a, o.datum_code AS k, n.datum_id AS i FROM old.geodetic_crs o JOIN new.geodetic_crs n USING (auth_name, code) \
                       UNION SELECT o.ensemble_auth_name, o.ensemble_code, n.ensemble_id FROM old.geodetic_datum_ensemble_member o JOIN new.geodetic_datum_ensemble_member n ON n.rowid = o.rowid \
                       UNION SELECT o.member_auth_name, o.member_code, n.member_id FROM old.geodetic_datum_ensemble_member o JOIN new.geodetic_datum_ensemble_member n ON n.rowid = o.rowid) \
                     WHERE a IS NOT NULL AND k IS NOT NULL GROUP BY a, k HAVING count(DISTINCT i) != 1) THEN 'a key has several ids' ELSE 'one id per key' END",
                ),
            ],
        },
    )
}

/// The writes of a service on the PROJ-shaped database, taking turns: new
/// datums and CRSs naming them, CRSs moved to another (sometimes missing)
/// datum, ensemble members added and repointed, datums deleted.
pub(crate) fn service_writes() -> String {
    [
        "INSERT INTO geodetic_datum VALUES ('W', CAST(?1 AS TEXT), 'datum w' || ?1, 0)",
        "INSERT INTO geodetic_crs VALUES ('W', CAST(?1 AS TEXT), 'crs w' || ?1, 'W', CAST(?1 - 1 AS TEXT))",
        "UPDATE geodetic_crs SET datum_auth_name = 'EPSG', datum_code = CAST(?1 % 400 AS TEXT) WHERE auth_name = 'EPSG' AND code = CAST(?1 % 1500 AS TEXT)",
        "INSERT INTO geodetic_datum_ensemble_member VALUES ('W', CAST(?1 - 3 AS TEXT), 'EPSG', CAST(?1 % 350 AS TEXT), ?1)",
        "UPDATE geodetic_datum_ensemble_member SET member_code = CAST(?1 % 320 AS TEXT) WHERE rowid = ?1 % 50 + 1",
        "DELETE FROM geodetic_datum WHERE auth_name = 'EPSG' AND code = CAST(?1 % 290 AS TEXT)",
    ]
    .join(NEXT_WRITE)
}

/// The plan translates both children through the datum's mapping and
/// blocks nothing.
fn assert_planned_translated(c: &Case) {
    let p = c.plan();
    assert!(p.blockers.is_empty(), "{:?}", p.blockers);
    let datum = p.plan.table("geodetic_datum").expect("datum planned");
    assert_eq!(datum.key_mode, KeyMode::Renumbered);
    for (table, col, probes) in [
        (
            "geodetic_crs",
            "datum_id",
            r#""geodetic_crs"."datum_auth_name""#,
        ),
        (
            "geodetic_datum_ensemble_member",
            "ensemble_id",
            "ensemble_auth_name",
        ),
        (
            "geodetic_datum_ensemble_member",
            "member_id",
            "member_auth_name",
        ),
    ] {
        let t = p.plan.table(table).expect("child planned");
        let tr = t
            .columns
            .iter()
            .find(|c| c.name == col)
            .and_then(|c| c.translate.as_ref())
            .unwrap_or_else(|| panic!("{table}.{col} is not translated"));
        assert_eq!(tr.parent, "geodetic_datum");
        assert_eq!(tr.probes.len(), 2, "{tr:?}");
        assert_eq!(tr.probes[0], probes, "{tr:?}");
    }
}

/// Issue 22, point 2: a writer process inserts, updates and deletes datums
/// and their children during the copy and until the drain; every reference
/// ends on the datum it named, a missing one on one unheld id per key.
#[test]
fn composite_references_to_a_renumbered_parent_are_translated_with_a_writer_running() {
    let c = case(OLD, NEW);
    assert_planned_translated(&c);
    let conn = Connection::open(&c.old).expect("old");
    let edits = || {
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF;
             UPDATE geodetic_crs SET datum_code = NULL WHERE code % 23 = 0;
             DELETE FROM geodetic_crs WHERE code % 29 = 0;
             DELETE FROM geodetic_datum_ensemble_member WHERE sequence % 11 = 0;",
        )
        .expect("edits by the test's own connection");
    };
    c.migrate_with_writer(&service_writes(), edits);
    let compared = oracle_equal(&c);
    assert!(compared > 1800, "{compared}");
}

/// Migrates `c` with no writer, runs `sql` on the old database (after the
/// copy, so only replay carries it), then drains and cuts over.
fn replayed(c: &Case, sql: &str) {
    let spec = spec(&c.old, &c.new);
    run(|ctx| ops::migrate(&spec, &c.schema, &MigrateOptions::default(), ctx)).expect("migrate");
    Connection::open(&c.old)
        .and_then(|conn| conn.execute_batch(&format!("PRAGMA foreign_keys = OFF;\n{sql}")))
        .expect("writes after the copy");
    run(|ctx| ops::drain(&spec, &DrainOptions::default(), ctx)).expect("drain");
    ops::cutover(&spec, &ops::CutoverOptions::default()).expect("cutover");
    assert!(oracle_equal(c) > 1800);
}

/// Replayed inserts: a new datum, a child naming it, a child naming a
/// datum that does not exist yet (then inserted), one naming none (NULL).
#[test]
fn replayed_inserts_translate_composite_references() {
    replayed(
        &case(OLD, NEW),
        "INSERT INTO geodetic_datum VALUES ('R', '1', 'late datum', 0);
         INSERT INTO geodetic_crs VALUES ('R', '1', 'late crs', 'R', '1');
         INSERT INTO geodetic_crs VALUES ('R', '2', 'early child', 'R', '2');
         INSERT INTO geodetic_datum VALUES ('R', '2', 'parent after child', 0);
         INSERT INTO geodetic_crs VALUES ('R', '3', 'half a key', 'R', NULL);
         INSERT INTO geodetic_datum_ensemble_member VALUES ('R', '1', 'R', '9', 99);",
    );
}

/// Replayed updates that change the referencing columns: to another
/// datum, to a missing one, to NULL in one part, and of the parent's key.
#[test]
fn replayed_updates_of_referencing_columns_translate_again() {
    replayed(
        &case(OLD, NEW),
        "UPDATE geodetic_crs SET datum_code = '7' WHERE code = '1';
         UPDATE geodetic_crs SET datum_auth_name = 'IGNF', datum_code = '50' WHERE code = '2';
         UPDATE geodetic_crs SET datum_code = '9999' WHERE code = '3';
         UPDATE geodetic_crs SET datum_auth_name = NULL WHERE code = '4';
         UPDATE geodetic_datum_ensemble_member SET member_auth_name = 'IGNF', member_code = '100' WHERE sequence = 5;
         UPDATE geodetic_datum SET code = '3000' WHERE auth_name = 'EPSG' AND code = '11';",
    );
}

/// Replayed deletes: of children, and of a parent its children still name
/// (they keep its id, which no row holds then).
#[test]
fn replayed_deletes_leave_remaining_references_on_their_ids() {
    replayed(
        &case(OLD, NEW),
        "DELETE FROM geodetic_crs WHERE code IN ('1', '2', '3');
         DELETE FROM geodetic_datum_ensemble_member WHERE sequence < 5;
         DELETE FROM geodetic_datum WHERE auth_name = 'EPSG' AND code IN ('5', '6', '7');",
    );
}
