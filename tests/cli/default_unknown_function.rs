//! A NOT NULL column whose DEFAULT calls a function SQLite does not have.
//! Found by the Prefect run (docs/reliability.md): Prefect's own
//! `deployment_version.id` is `CHAR(36) DEFAULT (GEN_RANDOM_UUID()) NOT
//! NULL` (PostgreSQL's function, created by its SQLite migration), which
//! SQLite accepts at CREATE. `plan` said "can migrate: yes", and `migrate`
//! installed the recording triggers, then failed in the copy with
//! "unknown function: GEN_RANDOM_UUID()", leaving the old database
//! recording: mig copies with `INSERT OR REPLACE`, into which SQLite
//! compiles a NOT NULL column's DEFAULT. Both now refuse it before anything
//! starts, in one line naming the column and its line, and no file changes;
//! a nullable column's DEFAULT calling the service's own function (never
//! compiled by mig) is still migrated.

use super::bad_input::snapshot;
use super::harness::{Project, FAILED};

const OLD: &str = "PRAGMA journal_mode=WAL;
CREATE TABLE deployment_version (
    deployment_id CHAR(36) NOT NULL,
    branch VARCHAR,
    id CHAR(36) DEFAULT (GEN_RANDOM_UUID()) NOT NULL,
    note TEXT DEFAULT (service_note()),
    CONSTRAINT pk_deployment_version PRIMARY KEY (id)
);
INSERT INTO deployment_version VALUES ('d1', 'main', '6f1c1c52-0b8e-4f7e-9d2a-1f0e5b7c9a01', 'first');
INSERT INTO deployment_version VALUES ('d2', NULL, '0a9b8c7d-6e5f-4a3b-8c1d-2e3f4a5b6c7d', NULL);
";

/// The team's next schema: `deployment_version` gains `kind`; `note`
/// (copied, so its DEFAULT is never compiled by mig) keeps the service's
/// own function.
fn schema(id_default: &str) -> String {
    format!(
        "CREATE TABLE deployment_version (
    deployment_id CHAR(36) NOT NULL,
    branch VARCHAR,
    id CHAR(36) DEFAULT ({id_default}) NOT NULL,
    note TEXT DEFAULT (service_note()),
    kind TEXT NOT NULL DEFAULT 'v1',
    CONSTRAINT pk_deployment_version PRIMARY KEY (id)
);
"
    )
}

#[test]
fn a_not_null_default_calling_an_unknown_function_is_refused_before_recording_and_changes_nothing()
{
    let p = Project::custom("prefect", OLD, &schema("GEN_RANDOM_UUID()"));
    let before = snapshot(&p.dir);
    for cmd in ["plan", "migrate"] {
        let run = p.mig(&[
            cmd,
            "--old",
            "old.db",
            "--new",
            "new.db",
            "--schema",
            "schema.sql",
        ]);
        let line = run.fails(
            FAILED,
            &format!("{cmd} failed: schema.sql:1:1: column id of table deployment_version has a DEFAULT SQLite cannot run"),
        );
        assert!(line.contains("GEN_RANDOM_UUID"), "{line}");
        assert!(line.contains("lower(hex(randomblob(16)))"), "{line}");
        assert_eq!(snapshot(&p.dir), before, "{cmd} changed a file");
    }
}

#[test]
fn a_default_sqlite_can_run_migrates_and_a_nullable_service_function_default_is_left_to_the_service(
) {
    let p = Project::custom("prefect", OLD, &schema("lower(hex(randomblob(16)))"));
    p.migrate(&[]).ok();
    p.mig(&["drain", "--old", "old.db", "--new", "new.db", "--cutover"])
        .ok();
    let conn = rusqlite::Connection::open(p.path("new.db")).expect("open new");
    conn.execute("ATTACH ?1 AS old", [p.path("old.db").to_string_lossy()])
        .expect("attach");
    let differ: i64 = conn
        .query_row(
            "SELECT (SELECT count(*) FROM (SELECT deployment_id, branch, id, note FROM old.deployment_version
                                          EXCEPT SELECT deployment_id, branch, id, note FROM main.deployment_version))
                  + (SELECT count(*) FROM (SELECT deployment_id, branch, id, note FROM main.deployment_version
                                          EXCEPT SELECT deployment_id, branch, id, note FROM old.deployment_version))
                  + (SELECT count(*) FROM main.deployment_version WHERE kind <> 'v1')",
            [],
            |r| r.get(0),
        )
        .expect("compare");
    assert_eq!(differ, 0, "the new database differs from the old rows");
}
