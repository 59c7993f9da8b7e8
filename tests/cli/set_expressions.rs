//! `mig:set` expressions that are not a function of the old row alone: an
//! aggregate or window function (which would fold a copy chunk into one
//! row) and a subquery (which replay would never recompute) are refused by
//! `plan` and `migrate`, before any file is created.

use super::harness::{Project, FAILED};

const FILES: [&str; 6] = [
    "--old",
    "old.db",
    "--new",
    "new.db",
    "--schema",
    "schema.sql",
];

/// An old `tenant` table of 20 rows and a `device` table beside it.
fn tenants() -> Project {
    let p = Project::empty("iot");
    p.sql(
        "old.db",
        "PRAGMA journal_mode=WAL;
         CREATE TABLE tenant (tenant_id INTEGER PRIMARY KEY, name TEXT NOT NULL);
         CREATE TABLE device (id INTEGER PRIMARY KEY, tenant_id INTEGER);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
         INSERT INTO tenant SELECT i, 'tenant ' || i FROM n;
         INSERT INTO device VALUES (1, 1), (2, 1);",
    );
    p
}

fn refused(set: &str, expected: &str) {
    let p = tenants();
    p.write(
        "schema.sql",
        &format!(
            "-- mig:set name = {set}\n\
             CREATE TABLE tenant (tenant_id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n\
             CREATE TABLE device (id INTEGER PRIMARY KEY, tenant_id INTEGER);\n"
        ),
    );
    let before = std::fs::read(p.path("old.db")).expect("old");
    let mut plan = vec!["plan"];
    plan.extend_from_slice(&FILES);
    let run = p.mig(&plan);
    let line = run.fails(FAILED, "plan failed: migrate could not run: schema.sql:1: ");
    assert!(line.contains(expected), "{line}");
    let mut migrate = vec!["migrate", "--accept-data-loss"];
    migrate.extend_from_slice(&FILES);
    let line = p
        .mig(&migrate)
        .fails(FAILED, "migrate failed: ")
        .to_string();
    assert!(line.contains(expected), "{line}");
    assert!(
        !p.path("new.db").exists(),
        "a refused migrate created new.db"
    );
    assert_eq!(std::fs::read(p.path("old.db")).expect("old"), before);
}

#[test]
fn an_aggregate_in_mig_set_is_refused_instead_of_folding_rows_into_one() {
    refused(
        "max(name)",
        "misuse of aggregate function max(); mig:set computes one value per old row, so it cannot use aggregate or window functions",
    );
}

#[test]
fn a_window_function_in_mig_set_is_refused() {
    refused(
        "name || row_number() OVER ()",
        "cannot use aggregate or window functions",
    );
}

#[test]
fn a_subquery_in_mig_set_is_refused_even_when_it_names_no_column() {
    refused(
        "(SELECT count(*) FROM device)",
        "the expression has a subquery; mig recomputes a row only when its own old row changes",
    );
}

#[test]
fn a_scalar_function_of_the_own_row_still_plans_and_copies_every_row() {
    let p = tenants();
    p.write(
        "schema.sql",
        "-- mig:set name = upper(name) || '/' || length(name)\n\
         CREATE TABLE tenant (tenant_id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n\
         CREATE TABLE device (id INTEGER PRIMARY KEY, tenant_id INTEGER);\n",
    );
    let mut migrate = vec!["migrate"];
    migrate.extend_from_slice(&FILES);
    p.mig(&migrate).ok();
    let conn = rusqlite::Connection::open(p.path("new.db")).expect("open new");
    let (n, last): (i64, String) = conn
        .query_row(
            "SELECT count(*), max(name) FROM tenant WHERE tenant_id = 20 OR tenant_id < 20",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("count");
    assert_eq!(n, 20);
    assert_eq!(last, "TENANT 9/8");
}

#[test]
fn a_non_deterministic_function_in_mig_set_is_refused_because_it_could_never_verify() {
    refused(
        "name || random()",
        "the expression is not a function of the old row (non-deterministic functions prohibited in index expressions): a copied value would differ at every recopy and never verify",
    );
}

#[test]
fn the_time_now_in_mig_set_is_refused_and_a_default_is_suggested() {
    refused(
        "name || datetime('now')",
        "the expression is not a function of the old row (non-deterministic use of datetime() in an index): a copied value would differ at every recopy and never verify; for the time of the copy, give the column a DEFAULT (e.g. DEFAULT CURRENT_TIMESTAMP) instead of a mig:set",
    );
}
