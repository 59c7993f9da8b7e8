//! `plan --rehearse --sample`: the sample is taken where the rows are and
//! keeps every reference closed (issue 22, point 6: on a world database —
//! countries, states, cities — a 10% sample used to keep everything, the
//! small root kept whole and every child following it).

use rusqlite::Connection;

use mig::engine::open::Busy;
use mig::engine::rehearse::{self, RehearseOptions, SampledTable};
use mig::engine::schema::SchemaFile;

/// countries (250) <- states (5,000) <- cities (60,000, also -> countries),
/// cities spread unevenly over the states.
pub const WORLD: &str = "PRAGMA journal_mode = WAL;
CREATE TABLE countries (id INTEGER PRIMARY KEY, name TEXT NOT NULL, iso2 TEXT);
CREATE TABLE states (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country_id INTEGER NOT NULL REFERENCES countries(id));
CREATE TABLE cities (id INTEGER PRIMARY KEY, name TEXT NOT NULL, state_id INTEGER NOT NULL REFERENCES states(id), country_id INTEGER NOT NULL REFERENCES countries(id));
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250)
INSERT INTO countries SELECT i, 'country ' || i, printf('%02d', i) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
INSERT INTO states SELECT i, 'state ' || i, 1 + (i * 7) % 250 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60000)
INSERT INTO cities SELECT i, 'city ' || i, s, 1 + (s * 7) % 250 FROM (SELECT i, 1 + (i * i) % 5000 AS s FROM n);";

/// The world's tables renamed and one column added: a migration to rehearse.
pub const WORLD_NEW: &str = "-- mig:from countries
CREATE TABLE country (id INTEGER PRIMARY KEY, name TEXT NOT NULL, iso2 TEXT);
-- mig:from states
CREATE TABLE state (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country_id INTEGER NOT NULL REFERENCES country(id));
-- mig:from cities
CREATE TABLE city (id INTEGER PRIMARY KEY, name TEXT NOT NULL, state_id INTEGER NOT NULL REFERENCES state(id), country_id INTEGER NOT NULL REFERENCES country(id), population INTEGER);
";

fn database(sql: &str) -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().expect("tempdir");
    let conn = Connection::open(dir.path().join("old.db")).expect("open");
    conn.execute_batch(sql).expect("old database");
    (dir, conn)
}

fn rows(conn: &Connection, table: &str) -> u64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
        r.get::<_, i64>(0)
    })
    .expect("count") as u64
}

fn dangling(conn: &Connection) -> u64 {
    let mut stmt = conn.prepare("PRAGMA foreign_key_check").expect("fk check");
    let n = stmt.query_map([], |_| Ok(())).expect("fk rows").count();
    n as u64
}

fn table<'a>(sample: &'a [SampledTable], name: &str) -> &'a SampledTable {
    sample
        .iter()
        .find(|t| t.table == name)
        .unwrap_or_else(|| panic!("{name} not reported: {sample:?}"))
}

#[test]
fn issue_22_a_ten_percent_sample_keeps_ten_percent_of_the_largest_table_and_no_dangling_reference()
{
    let (_dir, conn) = database(WORLD);
    assert_eq!(dangling(&conn), 0, "the fixture has no dangling reference");
    let sample = rehearse::sample(&conn, 10.0).expect("sample");

    // The largest table, which nothing references, keeps the asked share.
    let cities = table(&sample, "cities");
    assert_eq!((cities.rows, cities.kept), (60_000, rows(&conn, "cities")));
    assert_eq!(cities.kept, 6_000, "{sample:?}");
    assert_eq!(cities.referenced, 0);
    // A parent keeps every row a kept city names, and no more than that
    // beyond its own share.
    let states = table(&sample, "states");
    let named: u64 = conn
        .query_row("SELECT count(DISTINCT state_id) FROM cities", [], |r| {
            r.get::<_, i64>(0)
        })
        .expect("named") as u64;
    assert_eq!(states.kept, rows(&conn, "states"));
    assert_eq!(states.referenced, named, "{sample:?}");
    if named >= 500 {
        assert_eq!(states.kept, named, "only what kept cities need: {sample:?}");
    } else {
        assert!((450..=550).contains(&states.kept), "about 10%: {sample:?}");
    }
    assert!(states.kept < states.rows, "states were sampled: {sample:?}");
    // A lookup table under 1,000 rows stays whole.
    let countries = table(&sample, "countries");
    assert!(countries.whole && countries.kept == 250, "{sample:?}");
    assert_eq!(sample[0].table, "cities", "largest first: {sample:?}");

    assert_eq!(dangling(&conn), 0, "the sample left a dangling reference");
    let kept: u64 = sample.iter().map(|t| t.kept).sum();
    let all: u64 = sample.iter().map(|t| t.rows).sum();
    assert!(
        kept * 100 < all * 15,
        "a 10% sample kept {kept} of {all} rows"
    );
}

#[test]
fn a_self_referencing_and_a_cyclic_table_keep_every_row_a_kept_row_names() {
    let (_dir, conn) = database(
        "PRAGMA foreign_keys = OFF;
         CREATE TABLE team (id INTEGER PRIMARY KEY, lead_id INTEGER REFERENCES employee(id));
         CREATE TABLE employee (id INTEGER PRIMARY KEY, manager_id INTEGER REFERENCES employee(id), team_id INTEGER REFERENCES team(id));
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
         INSERT INTO team SELECT i, 1 + (i * 13) % 8000 FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 8000)
         INSERT INTO employee SELECT i, CASE WHEN i > 1 THEN i / 2 END, 1 + i % 2000 FROM n;",
    );
    let sample = rehearse::sample(&conn, 10.0).expect("sample");
    assert_eq!(dangling(&conn), 0, "{sample:?}");
    let employee = table(&sample, "employee");
    assert!(employee.kept < employee.rows, "{sample:?}");
    assert!(
        employee.referenced > 0,
        "managers a kept row names: {sample:?}"
    );
}

#[test]
fn a_rehearsal_of_the_world_database_reports_what_its_sample_kept() {
    let (dir, conn) = database(WORLD);
    drop(conn);
    let schema = SchemaFile::parse("schema.sql", WORLD_NEW).expect("schema");
    let r = rehearse::rehearse(
        &dir.path().join("old.db"),
        &schema,
        &RehearseOptions {
            sample_percent: 10.0,
            busy: Busy::default(),
            allow_rollback_journal: false,
        },
    )
    .expect("rehearse");
    assert!(r.succeeded, "{:?}", r.error);
    assert_eq!(table(&r.sample, "cities").kept, 6_000, "{:?}", r.sample);
    let city = r.tables.iter().find(|t| t.table == "city").expect("city");
    assert_eq!(
        (city.old_rows, city.new_rows),
        (6_000, 6_000),
        "{:?}",
        r.tables
    );
    assert_eq!(r.rows_copied, r.sample.iter().map(|t| t.kept).sum::<u64>());
}
