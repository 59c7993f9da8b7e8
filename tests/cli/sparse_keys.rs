//! `plan`'s copy-time estimate on a table whose integer keys are sparse
//! (Anki's ids are millisecond timestamps: 120,000 review rows spread over
//! months). The bug it guards: the sample took a span of 2,000 and 6,000
//! key values, which held one row each, so the estimate was one row's
//! timing multiplied out — and on a loaded machine a 1.9x jitter between
//! those two rows was read as a copy that slows as it goes, predicting
//! 3,324 s for a copy that took 5 s. The samples now count rows.
//!
//! Verify counted the same way: a chunk was `--chunk-rows` key values, one
//! row each here, so verify ran 12,000 transactions for 12,000 rows (3.8 s
//! instead of 0.2 s; 102 s on the user's 218k-row collection). Its chunks
//! now count rows too, and the whole runbook, revert included, ends equal
//! to the oracle.

use super::harness::Project;
use crate::support::oracle::{self, Oracle};

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

const ROWS: u64 = 12_000;

/// The `completed` event's summary of a `--json` job.
fn completed(stdout: &str, job: &str) -> serde_json::Value {
    let last = stdout.lines().last().unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(last).expect("a JSON event");
    v["completed"][job].clone()
}

/// A proto3 JSON count (a string).
fn count(v: &serde_json::Value) -> u64 {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// `old.db`'s `revlog` against `new.db`'s, by `transform` over one of them.
fn assert_oracle(p: &Project, transform: &str, checks: &[(&str, &str)]) {
    let o = Oracle { transform, checks };
    let n = oracle::compare(&p.path("old.db"), &p.path("new.db"), &o);
    assert!(n >= ROWS as usize - 100, "{n} rows compared");
}

#[test]
fn verify_chunks_count_rows_and_the_runbook_matches_the_oracle_on_sparse_integer_keys() {
    let p = Project::custom("reviews", OLD, SCHEMA);
    p.migrate(&[]).ok();
    // The service keeps reviewing: new ids, changed and deleted rows.
    p.sql(
        "old.db",
        "UPDATE revlog SET ease = ease + 1 WHERE cid % 5 = 0;
         DELETE FROM revlog WHERE cid % 97 = 1;
         INSERT INTO revlog SELECT id + 43000, cid, 9 FROM revlog WHERE cid % 50 = 7;",
    );
    let both = ["--old", "old.db", "--new", "new.db"];
    let run = p
        .mig(&[&["verify", "--chunk-rows", "1000", "--json"][..], &both].concat())
        .ok();
    let v = completed(&run.stdout, "verify");
    let (rows, chunks) = (
        count(&v["tables"][0]["rows"]),
        count(&v["tables"][0]["chunks"]),
    );
    assert!(rows > ROWS - 200 && rows < ROWS + 300, "{v}");
    // Chunks of 1,000 rows, never a chunk per row.
    assert_eq!(chunks, rows.div_ceil(1000), "{rows} rows: {v}");
    p.mig(&[&["drain"][..], &both].concat()).ok();
    assert_oracle(
        &p,
        "CREATE TABLE revlog AS SELECT id, cid, ease, 0 AS time_ms FROM old.revlog;",
        &[(
            "SELECT quote(id), quote(cid), quote(ease), quote(time_ms) FROM main.revlog ORDER BY id",
            "SELECT quote(id), quote(cid), quote(ease), quote(time_ms) FROM new.revlog ORDER BY id",
        )],
    );
    p.mig(&[&["cutover"][..], &both, &["--revert-window", "1h"]].concat())
        .ok();
    // The service on the new database, then back: revert carries its writes
    // to the old one and verifies it chunk by chunk of the new table. (It
    // leaves time_ms at its `mig:set` value: the old table has no place
    // for another.)
    p.sql(
        "new.db",
        "UPDATE revlog SET ease = 0 WHERE cid % 7 = 3;
         DELETE FROM revlog WHERE cid % 89 = 2;
         INSERT INTO revlog SELECT id + 21000, cid, 2, 0 FROM revlog WHERE cid % 60 = 11;",
    );
    let back = p.mig(&[&["revert"][..], &both].concat()).ok();
    assert!(back.stdout.contains("verified"), "{}", back.stdout);
    assert_oracle(
        &p,
        "CREATE TABLE revlog AS SELECT id, cid, ease FROM new.revlog;",
        &[(
            "SELECT quote(id), quote(cid), quote(ease) FROM main.revlog ORDER BY id",
            "SELECT quote(id), quote(cid), quote(ease) FROM old.revlog ORDER BY id",
        )],
    );
}
