//! The id mapping (`agent/engine/mapping.rs`): a migration started by mig
//! 0.1 with its single `_id_mapping` table is converted when it resumes and
//! finishes equal to the oracle; references translate as SQLite's own
//! foreign keys compare (the parent key's affinity applied); and the
//! affinity the mapping declares is the one SQLite gives the old column.

use std::path::Path;

use mig::engine::catalog::Affinity;
use mig::engine::copy::Chunking;
use mig::engine::ops::{self, DrainOptions, MigrateOptions};
use mig::engine::schema::SchemaFile;
use mig::engine::{Control, Ctx, EngineError, Event};
use rusqlite::Connection;

use crate::support::fixture;
use crate::support::oracle::{self, Oracle};
use crate::support::runbook::{run, spec};
use crate::support::writer::Writer;

/// Rewrites a new database's id mappings into mig 0.1's layout: one
/// `_id_mapping(_mig_tbl, _mig_new, _mig_k0…)` whose key columns have no
/// type, with its unique index, as 0.1 created it.
fn to_legacy_layout(new: &Path) {
    let c = Connection::open(new).expect("new");
    let width: i64 = c
        .query_row(
            "SELECT count(*) FROM pragma_table_info('_migration_progress') WHERE name GLOB 'k[0-9]*'",
            [],
            |r| r.get(0),
        )
        .expect("key width");
    let keys: Vec<String> = (0..width).map(|i| format!("_mig_k{i}")).collect();
    let keys = keys.join(", ");
    let maps: Vec<String> = c
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE '\\_mig\\_map\\_%' ESCAPE '\\'")
        .expect("maps")
        .query_map([], |r| r.get(0))
        .expect("maps")
        .collect::<Result<_, _>>()
        .expect("maps");
    assert!(!maps.is_empty(), "nothing renumbered");
    let mut sql = format!(
        "BEGIN; CREATE TABLE _id_mapping(_mig_tbl TEXT NOT NULL, _mig_new INTEGER NOT NULL, {keys});
         CREATE UNIQUE INDEX _id_mapping_key ON _id_mapping(_mig_tbl, {keys});"
    );
    for m in &maps {
        let table = m.trim_start_matches("_mig_map_");
        sql.push_str(&format!(
            "INSERT INTO _id_mapping(_mig_tbl, _mig_new, _mig_k0) SELECT '{table}', _mig_new, _mig_k0 FROM \"{m}\"; DROP TABLE \"{m}\";"
        ));
    }
    sql.push_str("COMMIT;");
    c.execute_batch(&sql).expect("legacy layout");
}

fn tables_named(db: &Path, pattern: &str) -> Vec<String> {
    let c = Connection::open(db).expect("db");
    let mut stmt = c
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE ?1 ESCAPE '\\' ORDER BY 1")
        .expect("names");
    let names = stmt
        .query_map([pattern], |r| r.get(0))
        .expect("names")
        .collect::<Result<_, _>>()
        .expect("names");
    names
}

fn product_ids(db: &Path) -> Vec<(String, i64)> {
    let c = Connection::open(db).expect("new");
    let mut stmt = c
        .prepare("SELECT code, id FROM product ORDER BY code")
        .expect("products");
    let ids = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("products")
        .collect::<Result<_, _>>()
        .expect("products");
    ids
}

/// A migration copied in part by mig 0.1 (its mapping layout), resumed by
/// this version with a writer running: converted, then finished.
#[test]
fn a_migration_started_with_the_single_id_mapping_table_is_converted_when_it_resumes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    drop(fixture::create_old(&old, 400));
    let schema = SchemaFile::parse("schema.sql", fixture::NEW_SCHEMA).expect("schema");
    // Stopped after the copy's twelfth chunk: 400 customers done, products begun.
    let control = Control::default();
    let mut chunks = 0;
    let mut stop = |e: Event| {
        if matches!(e, Event::Copy { .. }) {
            chunks += 1;
            if chunks == 12 {
                control.cancel();
            }
        }
    };
    let opts = MigrateOptions {
        chunking: Chunking::Fixed(40),
        ..MigrateOptions::default()
    };
    let stopped = ops::migrate(
        &spec(&old, &new),
        &schema,
        &opts,
        &mut Ctx {
            control: &control,
            sink: &mut stop,
        },
    );
    assert!(
        matches!(stopped, Err(EngineError::Cancelled(_))),
        "{stopped:?}"
    );
    let before = product_ids(&new);
    assert!(!before.is_empty(), "no product copied before the stop");
    to_legacy_layout(&new);
    assert_eq!(tables_named(&new, "\\_mig\\_map\\_%"), Vec::<String>::new());

    let writer = Writer::start(old.clone(), 21);
    writer.wait_committed(20);
    run(|ctx| ops::migrate(&spec(&old, &new), &schema, &opts, ctx)).expect("resume");
    assert_eq!(tables_named(&new, "\\_id\\_mapping"), Vec::<String>::new());
    assert_eq!(
        tables_named(&new, "\\_mig\\_map\\_%"),
        vec!["_mig_map_product"]
    );
    // Keys given before the conversion keep their new rowids.
    let after = product_ids(&new);
    for (code, id) in &before {
        assert!(after.contains(&(code.clone(), *id)), "{code} lost id {id}");
    }
    writer.wait_committed(writer.committed() + 20);
    run(|ctx| ops::drain(&spec(&old, &new), &DrainOptions::default(), ctx)).expect("drain");
    ops::cutover(&spec(&old, &new), &ops::CutoverOptions::default()).expect("cutover");
    writer.stop();
    oracle::compare(&old, &new, &fixture::ORACLE);
    assert_eq!(tables_named(&new, "\\_mig\\_map\\_%"), Vec::<String>::new());
}

/// A reference whose type differs from its parent's key: SQLite's foreign
/// keys apply the parent key's affinity to it, and so does the mapping
/// ('7' finds the rowid 7; 42 finds the TEXT code '42').
#[test]
fn a_reference_finds_its_renumbered_parent_as_sqlite_foreign_keys_compare() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    Connection::open(&old)
        .expect("old")
        .execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE region(name TEXT NOT NULL);
             CREATE TABLE code(code TEXT PRIMARY KEY, label TEXT);
             CREATE TABLE site(id INTEGER PRIMARY KEY, region_ref TEXT, code_ref INTEGER);
             INSERT INTO region(rowid, name) VALUES (7, 'north'), (8, 'south');
             INSERT INTO code VALUES ('42', 'answer'), ('x', 'other');
             INSERT INTO site VALUES (1, '7', 42), (2, '8', NULL), (3, 7, NULL), (4, NULL, 'x');",
        )
        .expect("old rows");
    let schema = SchemaFile::parse(
        "schema.sql",
        "CREATE TABLE region(id INTEGER PRIMARY KEY, name TEXT NOT NULL);
         CREATE TABLE code(id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, label TEXT);
         -- mig:set region_id = region_ref
         -- mig:set code_id = code_ref
         CREATE TABLE site(id INTEGER PRIMARY KEY, region_id INTEGER REFERENCES region(id), code_id INTEGER REFERENCES code(id));",
    )
    .expect("schema");
    let spec = spec(&old, &new);
    run(|ctx| ops::migrate(&spec, &schema, &MigrateOptions::default(), ctx)).expect("migrate");
    Connection::open(&old)
        .expect("writer")
        .execute_batch("INSERT INTO site VALUES (5, '8', '42');")
        .expect("write");
    run(|ctx| ops::drain(&spec, &DrainOptions::default(), ctx)).expect("drain");
    ops::cutover(&spec, &ops::CutoverOptions::default()).expect("cutover");
    oracle::compare(
        &old,
        &new,
        &Oracle {
            // The old database's own join: SQLite converts the reference
            // to the parent key's type before comparing.
            transform: "CREATE TABLE site AS SELECT s.id, r.name AS region, c.code AS code FROM old.site s
                LEFT JOIN old.region r ON r.rowid = s.region_ref LEFT JOIN old.code c ON c.code = s.code_ref;",
            checks: &[(
                "SELECT quote(id), quote(region), quote(code) FROM main.site ORDER BY id",
                "SELECT quote(s.id), quote(r.name), quote(c.code) FROM new.site s LEFT JOIN new.region r ON r.id = s.region_id LEFT JOIN new.code c ON c.id = s.code_id ORDER BY s.id",
            )],
        },
    );
}

/// References to parents that do not exist (yet): the copy's one-pass
/// insert stops at the first, SQLite rolls that statement back, the chunk's
/// missing references get reserved ids and the chunk is written again —
/// no row lost or doubled, equal references sharing one id, and a parent
/// inserted later taking the id its children already hold.
#[test]
fn references_to_missing_parents_get_one_reserved_id_and_no_row_is_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    let c = Connection::open(&old).expect("old");
    c.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE region(name TEXT NOT NULL);
         CREATE TABLE site(id INTEGER PRIMARY KEY, region_ref INTEGER, note TEXT);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)
         INSERT INTO region(rowid, name) SELECT i, 'region ' || i FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
         INSERT INTO site SELECT i, CASE WHEN i % 13 = 0 THEN NULL ELSE 1 + (i * 7) % 60 END, 'site ' || i FROM n;",
    )
    .expect("old rows");
    let schema = SchemaFile::parse(
        "schema.sql",
        "CREATE TABLE region(id INTEGER PRIMARY KEY, name TEXT NOT NULL);
         -- mig:set region_id = region_ref
         CREATE TABLE site(id INTEGER PRIMARY KEY, region_id INTEGER REFERENCES region(id), note TEXT);",
    )
    .expect("schema");
    let spec = spec(&old, &new);
    let opts = MigrateOptions {
        chunking: Chunking::Fixed(100),
        ..MigrateOptions::default()
    };
    run(|ctx| ops::migrate(&spec, &schema, &opts, ctx)).expect("migrate");
    // Replayed: more dangling references, and a parent for one of them.
    c.execute_batch(
        "INSERT INTO site VALUES (3001, 58, 'late'), (3002, 70, 'late');
         INSERT INTO region(rowid, name) VALUES (55, 'region 55, late');
         UPDATE site SET region_ref = 59 WHERE id = 10;",
    )
    .expect("writes");
    run(|ctx| ops::drain(&spec, &DrainOptions::default(), ctx)).expect("drain");
    ops::cutover(&spec, &ops::CutoverOptions::default()).expect("cutover");
    let shared = "SELECT CASE WHEN EXISTS (SELECT 1 FROM old.site s JOIN new.site n ON n.id = s.id \
        WHERE s.region_ref IS NOT NULL GROUP BY s.region_ref HAVING count(DISTINCT n.region_id) != 1) \
        THEN 'a reference has several ids' ELSE 'one id per reference' END";
    oracle::compare(
        &old,
        &new,
        &Oracle {
            transform: "CREATE TABLE site AS SELECT s.id, s.region_ref IS NULL AS unset, r.name AS region, s.note FROM old.site s LEFT JOIN old.region r ON r.rowid = s.region_ref;",
            checks: &[
                (
                    "SELECT quote(id), quote(unset), quote(region), quote(note) FROM main.site ORDER BY id",
                    "SELECT quote(s.id), quote(s.region_id IS NULL), quote(r.name), quote(s.note) FROM new.site s LEFT JOIN new.region r ON r.id = s.region_id ORDER BY s.id",
                ),
                ("SELECT 'one id per reference'", shared),
            ],
        },
    );
}

/// The affinity mig declares for a mapping's key column converts values
/// exactly as SQLite converts them in the old column.
#[test]
fn the_mapping_key_affinity_is_the_one_sqlite_gives_the_old_column() {
    let c = Connection::open_in_memory().expect("db");
    let values = ["'5'", "' 5 '", "'5.0'", "'5e2'", "'x'", "5", "5.5", "x'05'"];
    for (decl, strict) in [
        ("INTEGER", false),
        ("INT", false),
        ("BIGINT", false),
        ("VARCHAR(20)", false),
        ("NCHAR(2)", false),
        ("TEXT", false),
        ("CLOB", false),
        ("BLOB", false),
        ("", false),
        ("REAL", false),
        ("DOUBLE PRECISION", false),
        ("FLOATING POINT", false),
        ("NUMERIC", false),
        ("DECIMAL(10,2)", false),
        ("BOOLEAN", false),
        ("DATE", false),
        ("CHARINT", false),
        ("ANY", true),
        ("INT", true),
        ("TEXT", true),
    ] {
        let mapped = Affinity::of(decl, strict).sql_type();
        let strict_kw = if strict { " STRICT" } else { "" };
        c.execute_batch(&format!(
            "DROP TABLE IF EXISTS o; DROP TABLE IF EXISTS m;
             CREATE TABLE o(v {decl}){strict_kw}; CREATE TABLE m(v {mapped});"
        ))
        .expect("tables");
        for v in values {
            // A STRICT column refuses what it cannot convert: nothing to compare.
            if c.execute(&format!("INSERT INTO o VALUES ({v})"), [])
                .is_err()
            {
                continue;
            }
            c.execute(&format!("INSERT INTO m VALUES ({v})"), [])
                .expect("mapping insert");
        }
        let stored = |t: &str| -> Vec<String> {
            c.prepare(&format!(
                "SELECT typeof(v) || ':' || quote(v) FROM {t} ORDER BY rowid"
            ))
            .expect("read")
            .query_map([], |r| r.get(0))
            .expect("read")
            .collect::<Result<_, _>>()
            .expect("read")
        };
        assert_eq!(
            stored("o"),
            stored("m"),
            "declared `{decl}` (strict: {strict}) mapped to {mapped}"
        );
    }
}
