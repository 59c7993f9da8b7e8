//! Issue 22.7: a replay that breaks a new constraint names what to fix.
//!
//! In the field a writer set `country.iso2` to NULL after the copy, the new
//! schema makes it NOT NULL, and every catch-up failed with SQLite's
//! `NOT NULL constraint failed: country.iso2` (no key, one violation per
//! attempt) while `status` still said "run `mig drain`". Now the failure
//! names the old table, the constraint, how many rows and their old keys,
//! and `status`'s next step says to fix them; once fixed, drain goes on and
//! the new database equals the oracle.

use super::harness::{Project, FAILED};
use crate::support::oracle::{self, Oracle};

const FILES: [&str; 4] = ["--old", "old.db", "--new", "new.db"];

const OLD: &str = "PRAGMA journal_mode = WAL;
CREATE TABLE country (id INTEGER PRIMARY KEY, name TEXT NOT NULL, iso2 TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250)
INSERT INTO country SELECT i, 'Country ' || i, char(65 + i % 26, 65 + i / 26 % 26) FROM n;";

const NEW: &str = "-- mig:from country
CREATE TABLE country (id INTEGER PRIMARY KEY, name TEXT NOT NULL, iso2 TEXT NOT NULL);
";

const ORACLE: Oracle<'static> = Oracle {
    transform: "CREATE TABLE country AS SELECT id, name, iso2 FROM old.country;",
    checks: &[(
        "SELECT quote(id), quote(name), quote(iso2) FROM main.country ORDER BY id",
        "SELECT quote(id), quote(name), quote(iso2) FROM new.country ORDER BY id",
    )],
};

fn mig(p: &Project, cmd: &str) -> super::harness::Run {
    let mut args = vec![cmd];
    args.extend_from_slice(&FILES);
    p.mig(&args)
}

#[test]
fn issue_22_a_replay_constraint_error_names_table_and_old_keys_counts_them_and_status_says_what_to_fix(
) {
    let p = Project::custom("countries", OLD, NEW);
    p.migrate(&[]).ok();
    // After the copy: three rows lose their code, others change as usual.
    p.sql(
        "old.db",
        "UPDATE country SET name = name || ' (renamed)' WHERE id % 10 = 0;
         UPDATE country SET iso2 = NULL WHERE id IN (7, 9, 120);",
    );

    let run = mig(&p, "drain");
    let line = run.fails(FAILED, "drain failed: ");
    assert_eq!(
        line,
        "drain failed: replay stopped: 3 rows written to the old database break the new schema: \
         3 rows of old table country break NOT NULL(iso2) of country (old keys: 7, 9, 120); \
         fix those rows in the old database (the catch-up then goes on), or change the mapping: \
         `mig reset` and migrate again"
    );
    let status = mig(&p, "status").ok();
    let next = status.line_starting("next: ");
    assert!(
        next.starts_with("next: the catch-up is stopped: 3 rows written to the old database break the new schema: 3 rows of old table country break NOT NULL(iso2) of country (old keys: 7, 9, 120); fix those rows in the old database"),
        "{status:#?}"
    );

    p.sql(
        "old.db",
        "UPDATE country SET iso2 = 'ZZ' WHERE iso2 IS NULL;",
    );
    mig(&p, "drain").ok();
    let status = mig(&p, "status").ok();
    assert!(
        !status.stdout.contains("stopped"),
        "a replay that went through is forgotten: {status:#?}"
    );
    mig(&p, "cutover").ok();
    assert_eq!(
        oracle::compare(&p.path("old.db"), &p.path("new.db"), &ORACLE),
        250
    );
}
