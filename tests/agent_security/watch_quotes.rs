//! What a job's event stream quotes from the rows, by role: a viewer who
//! `mig watch`es (or replays the history of) a job that stopped on rows —
//! a migrate refused by the constraint pre-check, a drain whose catch-up a
//! row stopped — reads the table, constraint and count with the keys
//! withheld, in text and `--json`; an operator reads the keys.

use std::path::Path;

use rusqlite::Connection;

use crate::cli::real_agent::mig_as;
use crate::support::agent::TestAgent;

/// The old key of the row each job stops on.
const KEY: &str = "424242";

/// `mig watch --from-seq 0` (the job's whole history) of the database's
/// newest job as `who`, in text and `--json`: stdout and stderr of each.
fn watched(dir: &Path, agent: &TestAgent, (who, database): (&str, &str)) -> Vec<String> {
    let mut out = Vec::new();
    for json in [false, true] {
        let watch = ["watch", "--from-seq", "0"];
        let cmd: Vec<&str> = json.then_some("--json").into_iter().chain(watch).collect();
        let run = mig_as(dir, agent, (who, database), &cmd);
        assert_ne!(run.code, 0, "watching a failed job fails: {run:#?}");
        out.push(format!("{}{}", run.stdout, run.stderr));
    }
    out
}

/// Asserts that the operator's view names [`KEY`] and the viewer's names
/// none, both with the finding `names`.
fn check_roles(dir: &Path, agent: &TestAgent, database: &str, names: &str) {
    for out in watched(dir, agent, ("operator", database)) {
        assert!(
            out.contains(names) && out.contains(KEY),
            "an operator's watch names the finding and the old key: {out}"
        );
    }
    for out in watched(dir, agent, ("viewer", database)) {
        assert!(
            out.contains(names),
            "a viewer's watch names table, constraint and count: {out}"
        );
        assert!(!out.contains(KEY), "a viewer's watch quotes no key: {out}");
        assert!(
            out.contains("withheld from viewers"),
            "a viewer's watch says what was left out: {out}"
        );
    }
}

#[test]
fn a_viewer_watching_a_job_stopped_on_rows_reads_table_constraint_and_count_never_the_keys() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let (old, new) = (dir.join("old.db"), dir.join("new.db"));
    let (refused, refused_new) = (dir.join("refused.db"), dir.join("refused-new.db"));
    let conn = Connection::open(&old).expect("open");
    let create = "PRAGMA journal_mode=WAL;
         CREATE TABLE country(id INTEGER PRIMARY KEY, name TEXT NOT NULL, iso2 TEXT);";
    conn.execute_batch(&format!(
        "{create} INSERT INTO country VALUES (1, 'One', 'AA'), ({KEY}, 'Far', 'CC');"
    ))
    .expect("old");
    Connection::open(&refused)
        .and_then(|c| {
            c.execute_batch(&format!(
                "{create} INSERT INTO country VALUES (1, 'One', 'AA'), ({KEY}, 'Far', NULL);"
            ))
        })
        .expect("the database whose migrate the pre-check refuses");
    std::fs::write(
        dir.join("schema.sql"),
        "CREATE TABLE country(id INTEGER PRIMARY KEY, name TEXT NOT NULL, iso2 TEXT NOT NULL);\n",
    )
    .expect("schema");
    let agent = TestAgent::start(
        dir,
        &[
            ("countries", &old, &new),
            ("refused", &refused, &refused_new),
        ],
    );
    let migrate = ["migrate", "--schema", "schema.sql"];
    let run = mig_as(dir, &agent, ("operator", "refused"), &migrate);
    assert!(
        run.code != 0 && run.stderr.contains(KEY),
        "the operator's migrate is refused naming the key: {run:#?}"
    );
    check_roles(
        dir,
        &agent,
        "refused",
        "1 row in country would violate NOT NULL(iso2) of country",
    );

    mig_as(dir, &agent, ("operator", "countries"), &migrate).ok();
    conn.execute(
        &format!("UPDATE country SET iso2 = NULL WHERE id = {KEY}"),
        [],
    )
    .expect("a write the new schema refuses");
    let drain = mig_as(dir, &agent, ("operator", "countries"), &["drain"]);
    assert_ne!(drain.code, 0, "the replay stops at the row: {drain:#?}");
    check_roles(
        dir,
        &agent,
        "countries",
        "1 row of old table country breaks NOT NULL(iso2) of country",
    );
}
