//! What `mig status` quotes from the old rows, by role: when the catch-up
//! stopped at rows that break the new schema, an operator's next step names
//! their old keys (they must fix those rows); a viewer's (a dashboard's
//! certificate) gives the same table, constraint and count with the keys
//! withheld, in text and in `--json`, however the two kinds of call are
//! interleaved through the agent's shared status results.

use std::path::Path;

use rusqlite::Connection;

use crate::cli::harness::Run;
use crate::cli::real_agent::mig_as;
use crate::support::agent::TestAgent;

/// The old key of a row the replay stops at.
const KEY: &str = "424242";

fn on_countries(dir: &Path, agent: &TestAgent, who: &str, cmd: &[&str]) -> Run {
    mig_as(dir, agent, (who, "countries"), cmd)
}

#[test]
fn a_viewers_status_withholds_the_old_keys_of_a_stopped_replay_an_operators_names() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let (old, new) = (dir.join("old.db"), dir.join("new.db"));
    let conn = Connection::open(&old).expect("open");
    conn.execute_batch(&format!(
        "PRAGMA journal_mode=WAL;
         CREATE TABLE country(id INTEGER PRIMARY KEY, name TEXT NOT NULL, iso2 TEXT);
         INSERT INTO country VALUES (1, 'One', 'AA'), (2, 'Two', 'BB'), ({KEY}, 'Far', 'CC');"
    ))
    .expect("old");
    std::fs::write(
        dir.join("schema.sql"),
        "CREATE TABLE country(id INTEGER PRIMARY KEY, name TEXT NOT NULL, iso2 TEXT NOT NULL);\n",
    )
    .expect("schema");
    let agent = TestAgent::start(dir, &[("countries", &old, &new)]);
    on_countries(
        dir,
        &agent,
        "operator",
        &["migrate", "--schema", "schema.sql"],
    )
    .ok();
    conn.execute(
        &format!("UPDATE country SET iso2 = NULL WHERE id = {KEY}"),
        [],
    )
    .expect("a write the new schema refuses");
    let drain = on_countries(dir, &agent, "operator", &["drain"]);
    assert_ne!(drain.code, 0, "the replay stops at the row: {drain:#?}");

    for json in [false, true] {
        let flag: &[&str] = if json {
            &["--json", "status"]
        } else {
            &["status"]
        };
        // A viewer's call first and last: a result shared with the
        // operator's call between them must not reach either viewer.
        for who in ["viewer", "operator", "viewer"] {
            let run = on_countries(dir, &agent, who, flag).ok();
            let out = format!("{}{}", run.stdout, run.stderr);
            assert!(
                out.contains("1 row of old table country breaks NOT NULL(iso2) of country"),
                "{who}'s status names the table, constraint and count (json {json}): {out}"
            );
            if who == "operator" {
                assert!(
                    out.contains(&format!("old keys: {KEY}")),
                    "an operator's status names the old key (json {json}): {out}"
                );
            } else {
                assert!(
                    !out.contains(KEY),
                    "a viewer's status quotes no old key (json {json}): {out}"
                );
                assert!(
                    out.contains("withheld from viewers"),
                    "a viewer's status says what was left out (json {json}): {out}"
                );
            }
        }
    }
}
