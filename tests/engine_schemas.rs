//! The runbook on databases the engine was not designed for: each case in
//! `support/cases/` goes through one `check` — plan, migrate with a service
//! writing, verify (check-only: no false difference while the service
//! writes), drain, verify again, cutover, cleanup-old — and is compared with
//! its oracle.

use mig::engine::copy::Chunking;
use mig::engine::open::Busy;
use mig::engine::ops::{self, DrainOptions, MigrateOptions, VerifyOptions};
use mig::engine::schema::SchemaFile;
use mig::engine::state::Phase;
use mig::engine::status;
use mig::engine::verify::Repair;
use rusqlite::Connection;

use crate::support::cases::{self, Case};
use crate::support::oracle;
use crate::support::runbook::{run, spec};
use crate::support::writer::Writer;

/// Follows the runbook on `case` with its workload running throughout.
fn check(case: &Case) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    Connection::open(&old)
        .and_then(|c| c.execute_batch(case.old))
        .expect("old database");
    let spec = spec(&old, &new);
    let schema = SchemaFile::parse("schema.sql", case.new).expect("schema.sql parses");
    let plan = ops::plan(&spec, &schema, &ops::PlanOptions::default()).expect("plan");
    assert!(plan.can_migrate(), "plan blocked: {:?}", plan.blockers);
    assert_eq!(
        !plan.plan.data_loss.is_empty(),
        case.accept_data_loss,
        "data loss listed by plan: {:?}",
        plan.plan.data_loss
    );
    let writer = Writer::start_with(old.clone(), 11, case.workload);
    writer.wait_committed(20);
    let opts = MigrateOptions {
        accept_data_loss: case.accept_data_loss,
        // Many chunks, so the writer lands between them.
        chunking: Chunking::Fixed(64),
        ..Default::default()
    };
    run(|ctx| ops::migrate(&spec, &schema, &opts, ctx)).expect("migrate");
    let st = status::status(&spec, Busy::default()).expect("status");
    assert_eq!(st.phase, Phase::Recording, "{st:?}");
    let check_only = VerifyOptions {
        chunk_rows: 64,
        repair: Repair::CheckOnly,
        ..Default::default()
    };
    run(|ctx| ops::verify(&spec, &check_only, ctx)).expect("verify while the service writes");
    writer.wait_committed(writer.committed() + 50);
    run(|ctx| ops::drain(&spec, &DrainOptions::default(), ctx)).expect("drain");
    writer.wait_refused(writer.refused() + 1);
    run(|ctx| ops::verify(&spec, &check_only, ctx)).expect("verify after drain");
    let stats = writer.stop();
    let st = status::status(&spec, Busy::default()).expect("status");
    assert_eq!((st.phase, st.pending), (Phase::Drained, Some(0)), "{st:?}");
    ops::cutover(&spec, &ops::CutoverOptions::default()).expect("cutover");
    let compared = oracle::compare(&old, &new, &case.oracle);
    let integrity: String = Connection::open(&new)
        .and_then(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get(0)))
        .expect("integrity_check");
    assert_eq!(integrity, "ok");
    ops::cleanup_old(&spec, Busy::default(), ops::Release::Keep).expect("cleanup-old");
    let st = status::status(&spec, Busy::default()).expect("status");
    // Retired stays retired: the guard outlives cleanup-old.
    assert_eq!(st.phase, Phase::Retired, "{st:?}");
    eprintln!("compared {compared} rows; writer {stats:?}");
}

#[test]
fn music_store_with_composite_and_text_keys_matches_oracle() {
    check(&cases::music_store::CASE);
}

#[test]
fn legacy_app_with_quoted_names_no_primary_key_and_autoincrement_matches_oracle() {
    check(&cases::legacy_app::CASE);
}

#[test]
fn bundled_shop_example_matches_oracle() {
    check(&cases::shop_example::CASE);
}

#[test]
fn strict_rewrite_with_generated_columns_and_expression_indexes_matches_oracle() {
    check(&cases::strict_rewrite::CASE);
}

/// SQLite lets a rowid table's TEXT PRIMARY KEY hold NULLs. The copy used
/// to loop forever on them (a NULL cursor read as "not started"); now the
/// plan refuses with the rows to fix, and nothing is touched.
#[test]
fn null_primary_key_rows_block_the_plan_instead_of_looping_the_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    let conn = Connection::open(&old).expect("old");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; CREATE TABLE t (code TEXT PRIMARY KEY, v);
         INSERT INTO t VALUES (NULL, 1), (NULL, 2), ('a', 3), ('b', 4);",
    )
    .expect("old database");
    let schema = SchemaFile::parse("schema.sql", "CREATE TABLE t (code TEXT PRIMARY KEY, v);")
        .expect("schema");
    let opts = MigrateOptions {
        chunking: Chunking::Fixed(1),
        ..Default::default()
    };
    let err = run(|ctx| ops::migrate(&spec(&old, &new), &schema, &opts, ctx))
        .expect_err("NULL keys must block");
    assert!(
        err.to_string()
            .contains("old table t has 2 row(s) whose PRIMARY KEY (code) is NULL"),
        "{err}"
    );
    assert!(!new.exists(), "a refused migrate created the new database");
    let marker: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = '_migration_marker'",
            [],
            |r| r.get(0),
        )
        .expect("catalog");
    assert_eq!(marker, 0, "a refused migrate started recording");
}

/// A NULL key written while recording cannot be logged by key or copied;
/// the replay that meets it refuses (here the catch-up at the end of
/// migrate), and the runbook goes on once the row is fixed.
#[test]
fn null_primary_key_written_during_the_copy_is_refused_by_replay_until_fixed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    let conn = Connection::open(&old).expect("old");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; CREATE TABLE t (code TEXT PRIMARY KEY, v);
         INSERT INTO t VALUES ('a', 1), ('b', 2), ('c', 3);",
    )
    .expect("old database");
    let spec = spec(&old, &new);
    let schema = SchemaFile::parse("schema.sql", "CREATE TABLE t (code TEXT PRIMARY KEY, v);")
        .expect("schema");
    // The same schema on purpose: the key column alone is the point.
    let opts = MigrateOptions {
        chunking: Chunking::Fixed(1),
        allow_same_schema: true,
        ..Default::default()
    };
    let service = Connection::open(&old).expect("service connection");
    let mut inserted = false;
    let err = crate::support::runbook::run_with(
        move |e| {
            if matches!(e, mig::engine::Event::Copy { .. }) && !inserted {
                inserted = true;
                service
                    .execute("INSERT INTO t VALUES (NULL, 9), (NULL, 10)", [])
                    .expect("NULL key insert");
            }
        },
        |ctx| ops::migrate(&spec, &schema, &opts, ctx),
    )
    .expect_err("the replay after the copy refuses NULL keys");
    assert!(
        err.to_string()
            .contains("replay refused: old table t has 2 row(s) whose PRIMARY KEY (code) is NULL"),
        "{err}"
    );
    let err = run(|ctx| ops::drain(&spec, &DrainOptions::default(), ctx))
        .expect_err("drain must refuse NULL keys too");
    assert!(err.to_string().contains("is NULL"), "{err}");
    conn.execute("UPDATE t SET code = 'n' || v WHERE code IS NULL", [])
        .expect("writes flow again, the operator fixes the rows");
    run(|ctx| ops::drain(&spec, &DrainOptions::default(), ctx)).expect("drain");
    ops::cutover(&spec, &ops::CutoverOptions::default()).expect("cutover");
    let rows: String = Connection::open(&new)
        .and_then(|c| {
            c.query_row(
                "SELECT group_concat(code || '=' || v, ' ') FROM (SELECT * FROM t ORDER BY code)",
                [],
                |r| r.get(0),
            )
        })
        .expect("new rows");
    assert_eq!(rows, "a=1 b=2 c=3 n10=10 n9=9");
}

/// `mig:set status = 'open'` is the constant 'open', not a rename of an old
/// column that happens to be called open (it used to be read as one).
#[test]
fn string_literal_in_mig_set_is_a_constant_even_when_a_column_has_that_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    Connection::open(&old)
        .and_then(|c| {
            c.execute_batch(
                "PRAGMA journal_mode = WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, open TEXT);
                 INSERT INTO t VALUES (1, 'yes'), (2, NULL);",
            )
        })
        .expect("old database");
    let schema = SchemaFile::parse(
        "schema.sql",
        "-- mig:set status = 'open'\nCREATE TABLE t (id INTEGER PRIMARY KEY, open TEXT, status TEXT);",
    )
    .expect("schema");
    let spec = spec(&old, &new);
    let plan = ops::plan(&spec, &schema, &ops::PlanOptions::default()).expect("plan");
    let status = plan.plan.tables[0]
        .columns
        .iter()
        .find(|c| c.name == "status")
        .map(|c| c.source.clone());
    assert_eq!(status, Some(mig::engine::plan::ColumnSource::Computed));
    run(|ctx| ops::migrate(&spec, &schema, &MigrateOptions::default(), ctx)).expect("migrate");
    let got: String = Connection::open(&new)
        .and_then(|c| {
            c.query_row(
                "SELECT group_concat(quote(open) || ':' || status, ' ') FROM t",
                [],
                |r| r.get(0),
            )
        })
        .expect("new rows");
    assert_eq!(got, "'yes':open NULL:open");
}

/// A renumbered table keyed by `TEXT COLLATE NOCASE`: `_id_mapping` compared
/// keys byte for byte, so a case-only change of the key ('de' -> 'DE') gave
/// the row a new id (its children's references dangled), and a child
/// spelling the key in another case ('FR' for 'fr') got a reserved id of its
/// own. Lookups now use the old key's collation.
#[test]
fn nocase_key_of_a_renumbered_table_keeps_its_id_and_translates_any_case() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    let conn = Connection::open(&old).expect("old");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = OFF;
         CREATE TABLE Country (Code TEXT PRIMARY KEY COLLATE NOCASE, Name TEXT);
         CREATE TABLE Customer (id INTEGER PRIMARY KEY, cc TEXT REFERENCES Country(Code));
         INSERT INTO Country VALUES ('de', 'Germany'), ('fr', 'France');
         INSERT INTO Customer VALUES (1, 'de'), (2, 'FR'), (3, 'Fr');",
    )
    .expect("old database");
    let spec = spec(&old, &new);
    let schema = SchemaFile::parse(
        "schema.sql",
        "-- mig:from Country\nCREATE TABLE country (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE COLLATE NOCASE, name TEXT);\n\
         -- mig:set country_id = cc\nCREATE TABLE Customer (id INTEGER PRIMARY KEY, country_id INTEGER REFERENCES country(id));",
    )
    .expect("schema");
    run(|ctx| ops::migrate(&spec, &schema, &MigrateOptions::default(), ctx)).expect("migrate");
    conn.execute_batch(
        "UPDATE Country SET Code = 'DE' WHERE Code = 'de'; INSERT INTO Customer VALUES (4, 'dE');",
    )
    .expect("writes while recording");
    run(|ctx| ops::drain(&spec, &DrainOptions::default(), ctx)).expect("drain");
    ops::cutover(&spec, &ops::CutoverOptions::default()).expect("cutover");
    let got: String = Connection::open(&new)
        .and_then(|c| {
            c.query_row(
                "SELECT group_concat(cu.id || ':' || coalesce(co.code, 'dangling'), ' ') \
                 FROM (SELECT * FROM Customer ORDER BY id) cu LEFT JOIN country co ON co.id = cu.country_id",
                [],
                |r| r.get(0),
            )
        })
        .expect("new rows");
    assert_eq!(got, "1:DE 2:fr 3:fr 4:DE");
    let countries: i64 = Connection::open(&new)
        .and_then(|c| c.query_row("SELECT count(*) FROM country", [], |r| r.get(0)))
        .expect("count");
    assert_eq!(countries, 2);
}

/// A copied or renamed column carries the old column it takes (as the old
/// catalog spells it, and quoted as the copy reads it), so nothing has to
/// lex its expression to find it again.
#[test]
fn copied_and_renamed_columns_carry_the_old_column_they_take() {
    use mig::engine::plan::{ColumnSource, SourceColumn};
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    Connection::open(&old)
        .and_then(|c| {
            c.execute_batch(
                "PRAGMA journal_mode = WAL; CREATE TABLE \"Notes\" (id INTEGER PRIMARY KEY, \"Title\" TEXT, note TEXT);",
            )
        })
        .expect("old database");
    let schema = SchemaFile::parse(
        "schema.sql",
        "-- mig:set remark = note\nCREATE TABLE Notes (id INTEGER PRIMARY KEY, title TEXT, remark TEXT, n INTEGER DEFAULT 0);",
    )
    .expect("schema");
    let plan = ops::plan(&spec(&old, &new), &schema, &ops::PlanOptions::default()).expect("plan");
    let source = |name: &str| {
        let t = &plan.plan.tables[0];
        let c = t.columns.iter().find(|c| c.name == name).expect("column");
        (c.source.clone(), c.expr.clone())
    };
    let column = |name: &str| SourceColumn {
        name: name.to_string(),
        quoted: format!("\"Notes\".\"{name}\""),
    };
    let (title, expr) = source("title");
    assert_eq!(title, ColumnSource::Copy(column("Title")));
    assert_eq!(expr.as_deref(), Some("\"Notes\".\"Title\""));
    assert_eq!(source("remark").0, ColumnSource::Rename(column("note")));
    assert_eq!(source("n").0.old_column(), None);
}
