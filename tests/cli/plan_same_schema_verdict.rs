//! `mig plan` on a database already at the target schema (a tenant a team
//! migrated by hand, found in a Buildbot rollout: docs/reliability.md)
//! ended with "can migrate: yes" while `mig migrate` with the same
//! arguments refuses it (exit 1) unless `--allow-same-schema`. The
//! verdict now says what migrate needs, as it does for
//! `--accept-data-loss`; plan still exits 0 (the rebuild can run).

use super::harness::{Project, FAILED, MIGRATE};

const SCHEMA: &str = "
CREATE TABLE builds(id INTEGER PRIMARY KEY, number INTEGER NOT NULL,
    results INTEGER CHECK (results IS NULL OR results BETWEEN 0 AND 6));
CREATE INDEX builds_unfinished ON builds(number) WHERE results IS NULL;
";

#[test]
fn plan_of_a_database_already_at_the_target_schema_says_migrate_needs_allow_same_schema() {
    let p = Project::custom(
        "hooli",
        &format!("{SCHEMA} INSERT INTO builds VALUES (1, 1, 0); PRAGMA journal_mode = WAL;"),
        SCHEMA,
    );
    // `plan` takes migrate's arguments.
    let plan_args = [&["plan"][..], &MIGRATE[1..]].concat();
    let plan = p.mig(&plan_args).ok();
    assert_eq!(
        plan.stdout.lines().last(),
        Some("can migrate: yes, with --allow-same-schema (nothing to migrate: a rebuild)"),
        "{plan:#?}"
    );
    p.mig(&MIGRATE).fails(
        FAILED,
        "migrate failed: the schema file describes the old database's own schema",
    );
    p.mig(&[&MIGRATE[..], &["--allow-same-schema"]].concat())
        .ok();
}
