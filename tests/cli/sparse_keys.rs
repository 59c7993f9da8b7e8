//! `plan`'s copy-time estimate on a table whose integer keys are sparse
//! (Anki's ids are millisecond timestamps: 120,000 review rows spread over
//! months). The bug it guards: the sample took a span of 2,000 and 6,000
//! key values, which held one row each, so the estimate was one row's
//! timing multiplied out — and on a loaded machine a 1.9x jitter between
//! those two rows was read as a copy that slows as it goes, predicting
//! 3,324 s for a copy that took 5 s. The samples now count rows.

use super::harness::Project;

const OLD: &str = "
PRAGMA journal_mode = WAL;
CREATE TABLE revlog (id INTEGER PRIMARY KEY, cid INTEGER NOT NULL, ease INTEGER NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 11999)
INSERT INTO revlog SELECT 1600000000000 + i * 86413, i % 977, i % 4 FROM n;
";

const SCHEMA: &str = "
-- mig:set time_ms = 0
CREATE TABLE revlog (id INTEGER PRIMARY KEY, cid INTEGER NOT NULL, ease INTEGER NOT NULL, time_ms INTEGER NOT NULL);
";

#[test]
fn plan_samples_rows_not_key_values_on_sparse_integer_keys() {
    let p = Project::custom("reviews", OLD, SCHEMA);
    let run = p
        .mig(&[
            "plan",
            "--old",
            "old.db",
            "--new",
            "new.db",
            "--schema",
            "schema.sql",
            "--json",
        ])
        .ok();
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).expect("plan --json");
    let table = &plan["estimates"]["tables"][0];
    assert_eq!(table["table"], "revlog", "{table}");
    // proto3 JSON writes a 64-bit count as a string.
    assert_eq!(table["sampledRows"], "8000", "{table}");
    assert!(!run.stdout.contains("slows as it goes"), "{}", run.stdout);
}
