//! What `mig plan` quotes from the old rows, by role: an operator's plan
//! names the keys of rows a new constraint would change and the values a
//! type change alters (they must fix those rows); a viewer's plan (a
//! dashboard's certificate) gives the same counts and findings with the
//! keys and values withheld, in text and in `--json`.

use std::path::Path;

use rusqlite::Connection;

use crate::cli::harness::Run;
use crate::cli::real_agent::mig_as;
use crate::support::agent::TestAgent;

/// A stored value the new INTEGER column would turn into 91733915 (eight
/// digits: a plan's own figures, such as the free disk space in bytes,
/// must not contain it by chance, as "917" did).
const VALUE: &str = "00091733915";
/// The key of the row whose NULL quantity would take the new DEFAULT.
const KEY: &str = "424242";

fn plan_as(dir: &Path, agent: &TestAgent, who: &str, json: bool) -> Run {
    let plan = ["plan", "--schema", "schema.sql"];
    let cmd: Vec<&str> = json.then_some("--json").into_iter().chain(plan).collect();
    mig_as(dir, agent, (who, "items"), &cmd).ok()
}

#[test]
fn a_viewers_plan_withholds_the_keys_and_values_an_operators_plan_quotes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let (old, new) = (dir.join("old.db"), dir.join("new.db"));
    let conn = Connection::open(&old).expect("open");
    conn.execute_batch(&format!(
        "PRAGMA journal_mode=WAL;
         CREATE TABLE item(id INTEGER PRIMARY KEY, code TEXT, qty INTEGER);
         INSERT INTO item VALUES (1, 'A-1', 3), (2, '{VALUE}', 4), ({KEY}, 'B-2', NULL);"
    ))
    .expect("old");
    drop(conn);
    std::fs::write(
        dir.join("schema.sql"),
        "CREATE TABLE item(id INTEGER PRIMARY KEY, code INTEGER, qty INTEGER NOT NULL DEFAULT 1);\n",
    )
    .expect("schema");
    let agent = TestAgent::start(dir, &[("items", &old, &new)]);

    for json in [false, true] {
        let op = plan_as(dir, &agent, "operator", json);
        assert!(
            op.stdout.contains(VALUE) && op.stdout.contains(KEY),
            "an operator's plan names the value and the key (json {json}): {}",
            op.stdout
        );
        let viewer = plan_as(dir, &agent, "viewer", json);
        let out = format!("{}{}", viewer.stdout, viewer.stderr);
        assert!(
            !out.contains(VALUE) && !out.contains("91733915") && !out.contains(KEY),
            "a viewer's plan quotes no row data (json {json}): {out}"
        );
        assert!(
            out.contains("1 of 3 probed values change") && out.contains("1 row in item"),
            "a viewer's plan keeps the counts (json {json}): {out}"
        );
        assert!(
            out.contains("withheld from viewers"),
            "a viewer's plan says what was left out (json {json}): {out}"
        );
    }
    assert!(!new.exists(), "plan wrote no new database");
}
