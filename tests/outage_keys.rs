//! The refusal a writer process feels at the cutover of renumbered keys.
//! Without a revert window the id mapping is removed after the cutover's
//! commit, outside the refusal (dropping a mapping of a million rows under
//! the lock made writes wait 56–160 ms): it is gone when the command
//! returns, the reported refusal contains what the writer felt, and the
//! new database equals the oracle. With a window, a table renumbered to a
//! composite new key has no id mapping its revert map can be completed
//! through: the freeze copies only the rows of the keys written since, by
//! the natural key's index, and a revert gives the old table back equal
//! to the new one.

use rusqlite::Connection;

use crate::cli::harness::Project;
use crate::outage::{
    assert_reported_matches, drain_cutover_beside, drain_summary, files, migrated_project, writer,
};
use crate::support::oracle;
use crate::support::runbook::mig_objects;
use crate::support::writer_process::Outcome;

fn mappings(db: &std::path::Path) -> Vec<String> {
    mig_objects(db)
        .into_iter()
        .filter(|n| n.starts_with("_mig_map_"))
        .collect()
}

#[test]
fn drain_cutover_removes_the_id_mapping_after_the_refusal_a_writer_process_saw() {
    let p = migrated_project(2_000);
    let (old, new) = (p.path("old.db"), p.path("new.db"));
    assert_eq!(mappings(&new), ["_mig_map_product"]);
    let mut w = writer(&p.dir, &old, &new);
    let run = p.mig(&files("drain", &["--cutover", "--json"])).ok();
    let summary = drain_summary(&run.stdout);
    w.wait_for(Outcome::Ready, 1);
    let log = w.stop();
    assert_eq!(summary["cutover"]["idMappingRemoved"], true, "{summary}");
    assert_eq!(mappings(&new), Vec::<String>::new());
    assert_reported_matches(&log, summary["refusedMs"].as_f64().expect("refusedMs"));
    oracle::assert_matches(&old, &new);
}

#[test]
fn cutover_removes_the_id_mapping_after_the_refusal_a_writer_process_saw() {
    let p = migrated_project(2_000);
    let (old, new) = (p.path("old.db"), p.path("new.db"));
    let mut w = writer(&p.dir, &old, &new);
    p.mig(&files("drain", &[])).ok();
    w.wait_for(Outcome::Refused, 1);
    let run = p.mig(&["cutover", "--new", "new.db", "--json"]).ok();
    let report: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("JSON");
    w.wait_for(Outcome::Ready, 1);
    let log = w.stop();
    assert_eq!(report["idMappingRemoved"], true, "{report}");
    assert_eq!(mappings(&new), Vec::<String>::new());
    assert_reported_matches(&log, report["writesRefusedMs"].as_f64().expect("ms"));
    oracle::assert_matches(&old, &new);
}

const LINES: &str = "PRAGMA journal_mode = WAL;
CREATE TABLE Line (Id INTEGER PRIMARY KEY, OrderNo INTEGER NOT NULL, Pos INTEGER NOT NULL, Note TEXT, UNIQUE (OrderNo, Pos));
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
INSERT INTO Line(OrderNo, Pos, Note) SELECT i / 10, i % 10, 'n' || i FROM n;";

/// Renumbered (the old rowid key is a plain column), keyed by two columns.
const LINES_SCHEMA: &str = "-- mig:from Line
CREATE TABLE line (id INTEGER NOT NULL UNIQUE, orderno INTEGER NOT NULL, pos INTEGER NOT NULL, note TEXT, PRIMARY KEY (orderno, pos));";

fn rows(db: &std::path::Path, sql: &str) -> Vec<(i64, i64, i64, Option<String>)> {
    let conn = Connection::open(db).expect("open");
    let mut stmt = conn.prepare(sql).expect("prepare");
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("query")
        .collect::<Result<Vec<_>, _>>()
        .expect("rows");
    rows
}

#[test]
fn a_composite_new_key_without_id_mapping_reverts_to_the_new_rows_after_a_window_opened_under_writes(
) {
    let p = Project::empty("lines");
    Connection::open(p.path("old.db"))
        .and_then(|c| c.execute_batch(LINES))
        .expect("old database");
    p.write("schema.sql", LINES_SCHEMA);
    p.mig(&files("migrate", &["--schema", "schema.sql"])).ok();
    let (old, new) = (p.path("old.db"), p.path("new.db"));
    // Logged after the copy: a key moved, a row deleted, one inserted.
    Connection::open(&old)
        .and_then(|c| {
            c.execute_batch(
                "UPDATE Line SET Pos = 11 WHERE Id = 7; DELETE FROM Line WHERE Id = 9;
                 INSERT INTO Line(OrderNo, Pos, Note) VALUES (999, 1, 'inserted');",
            )
        })
        .expect("writes before the drain");
    let (log, summary) = drain_cutover_beside(
        &p,
        "UPDATE Line SET Note = 'writer ' || ?1 WHERE Id = 1 + ?1 % 3000",
    );
    assert_reported_matches(&log, summary["refusedMs"].as_f64().expect("refusedMs"));
    Connection::open(&new)
        .and_then(|c| {
            c.execute_batch(
                "UPDATE line SET note = 'new service' WHERE id = 3; UPDATE line SET pos = 12 WHERE id = 7;
                 INSERT INTO line VALUES (9000, 1000, 1, 'new row'); DELETE FROM line WHERE id = 4;",
            )
        })
        .expect("the new service's writes");
    p.mig(&files("revert", &[])).ok();
    let want = rows(&new, "SELECT id, orderno, pos, note FROM line ORDER BY id");
    assert_eq!(
        rows(&old, "SELECT Id, OrderNo, Pos, Note FROM Line ORDER BY Id"),
        want
    );
    assert_eq!(
        want.len(),
        3000,
        "one row deleted and one inserted on each side"
    );
}
