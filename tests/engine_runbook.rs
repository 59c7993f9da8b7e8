//! The runbook through the engine API, on real files, with a concurrent
//! writer, checked against the oracle.

use mig::engine::open::Busy;
use mig::engine::ops::{self, DrainOptions, MigrateOptions};
use mig::engine::schema::SchemaFile;
use mig::engine::state::Phase;
use mig::engine::status;

use crate::support::runbook::{run, spec};
use crate::support::{fixture, oracle, writer::Writer};

#[test]
fn runbook_with_concurrent_writer_matches_oracle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old = dir.path().join("old.db");
    let new = dir.path().join("new.db");
    drop(fixture::create_old(&old, 3_000));
    let spec = spec(&old, &new);
    let schema = SchemaFile::parse("schema.sql", fixture::NEW_SCHEMA).expect("schema");
    let writer = Writer::start(old.clone(), 7);
    writer.wait_committed(20);
    let summary =
        run(|ctx| ops::migrate(&spec, &schema, &MigrateOptions::default(), ctx)).expect("migrate");
    assert!(summary.rows >= 3_000, "copied {} rows", summary.rows);
    let st = status::status(&spec, Busy::default()).expect("status");
    assert_eq!(st.phase, Phase::Recording);
    // Let the writer keep going after the copy, so drain has a tail to replay.
    writer.wait_committed(writer.committed() + 100);
    let drained = run(|ctx| ops::drain(&spec, &DrainOptions::default(), ctx)).expect("drain");
    // Drained: the old database refuses every write from now on. Its rows
    // are read once the writer has been refused, and again after three more
    // refusals. (A transaction whose statements match no row fires no
    // trigger and commits nothing: counting commits would flag it.)
    writer.wait_refused(writer.refused() + 1);
    let rows = old_rows(&old);
    writer.wait_refused(writer.refused() + 3);
    assert!(old_rows(&old) == rows, "a write got through after drain");
    let stats = writer.stop();
    assert!(
        stats.committed > 10,
        "writer committed only {} transactions",
        stats.committed
    );
    let st = status::status(&spec, Busy::default()).expect("status");
    assert_eq!(st.phase, Phase::Drained, "{st:?}");
    assert_eq!(st.pending, Some(0));
    ops::cutover(&spec, &ops::CutoverOptions::default()).expect("cutover");
    let compared = oracle::assert_matches(&old, &new);
    assert!(compared > 6_000, "compared {compared} rows");
    let st = status::status(&spec, Busy::default()).expect("status");
    assert_eq!(st.phase, Phase::CutOver);
    assert!(st.cutover_complete);
    assert_eq!(st.id_mapping_rows, None);
    let cleaned = ops::cleanup_old(&spec, Busy::default(), ops::Release::Keep).expect("cleanup");
    let removed = cleaned.removed;
    // Cutover only switched the marker (the guards drain armed refuse now):
    // the recording triggers, inert behind them, go with the cleanup, which
    // does not count the guard among them.
    assert!(removed.marker && removed.log && removed.triggers > 0);
    assert_eq!(u64::from(removed.triggers), st.triggers, "{removed:?}");
    assert!(cleaned.guards > 0, "the old database stays retired");
    eprintln!("writer: {stats:?}; drain: {drained:?}");
}

/// Every row of the old database's own tables, as text, sorted.
fn old_rows(old: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(old).expect("open old");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name NOT LIKE '\\_mig%' ESCAPE '\\'")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("tables");
    let mut rows = Vec::new();
    for t in &tables {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{t}\""))
            .expect("select");
        let n = stmt.column_count();
        let mut q = stmt.query([]).expect("query");
        while let Some(r) = q.next().expect("row") {
            let values: Vec<String> = (0..n)
                .map(|i| format!("{:?}", r.get_ref(i).expect("value")))
                .collect();
            rows.push(format!("{t}: {}", values.join(", ")));
        }
    }
    rows.sort();
    rows
}

#[test]
fn renamed_integer_primary_key_keeps_its_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old = dir.path().join("old.db");
    drop(fixture::create_old(&old, 10));
    let spec = spec(&old, &dir.path().join("new.db"));
    let schema = SchemaFile::parse("schema.sql", fixture::NEW_SCHEMA).expect("schema");
    let outcome = ops::plan(&spec, &schema, &ops::PlanOptions::default()).expect("plan");
    let modes: Vec<(String, mig::engine::plan::KeyMode)> = outcome
        .plan
        .tables
        .iter()
        .map(|t| (t.name.clone(), t.key_mode))
        .collect();
    use mig::engine::plan::KeyMode::*;
    assert_eq!(
        modes,
        vec![
            ("customer".into(), Preserved),
            ("product".into(), Renumbered),
            ("orders".into(), Preserved),
            ("tag".into(), Preserved)
        ]
    );
}
