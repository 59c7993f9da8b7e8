//! `mig verify` with the real binary, in-process and against an agent: the
//! per-table lines and the verdict, a row changed behind the tool's back
//! reported with table and key and exit code 4 (DATA_LOSS), then repaired.

use super::agent::TestAgent;
use super::harness::Project;
use super::remote::database;
use crate::support::oracle;

/// Exit code of DATA_LOSS (`client/exit.rs`).
const DATA_LOSS: i32 = 4;

const FILES: [&str; 4] = ["--old", "old.db", "--new", "new.db"];

fn with_files<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend_from_slice(&FILES);
    v
}

#[test]
fn verify_reports_tables_names_a_changed_key_and_repairs_it() {
    let p = Project::shop(200);
    p.mig(&with_files(&["migrate", "--schema", "schema.sql"]))
        .ok();
    p.sql(
        "old.db",
        "UPDATE Customer SET Email = 'moved@example.com' WHERE CustomerId = 3;",
    );
    let run = p.mig(&with_files(&["verify", "--chunk-rows", "50"])).ok();
    // Rowid keys 1..=200 in ranges of 50 values: exactly four chunks.
    run.has_line("  customer: 200 rows in 4 chunk(s)");
    assert!(run
        .line_starting("verified: 850 rows in 4 tables, 0 differences")
        .ends_with(" s)"));

    p.tamper("new.db", "UPDATE customer SET email = 'x' WHERE id = 7;");
    let line = p
        .mig(&with_files(&["verify", "--check-only"]))
        .fails(DATA_LOSS, "verify failed: ")
        .to_string();
    assert!(
        line.contains("table customer") && line.contains("at key 7;"),
        "{line}"
    );

    let run = p.mig(&with_files(&["verify"])).ok();
    run.line_starting("  customer: 200 rows in 1 chunk(s), 1 chunk(s) recopied");
    run.line_starting("verified: 850 rows in 4 tables, 0 differences");
    p.mig(&with_files(&["verify", "--check-only"])).ok();
}

#[test]
fn issue_22_check_only_reports_every_differing_table_with_a_count_and_its_first_keys() {
    let p = Project::shop(200);
    p.mig(&with_files(&["migrate", "--schema", "schema.sql"]))
        .ok();
    // customer: seven rows changed or gone; tag (a composite key): one row
    // changed and one no old row maps to.
    p.tamper(
        "new.db",
        "PRAGMA foreign_keys = OFF;
         UPDATE customer SET email = 'x' WHERE id IN (7, 8, 9, 10, 11, 12);
         DELETE FROM customer WHERE id = 150;
         UPDATE tag SET weight = -1 WHERE order_id = 5 AND label = 'a';
         INSERT INTO tag VALUES (9999, 'zz', NULL);",
    );
    let before = std::fs::read(p.path("new.db")).expect("new");
    let run = p.mig(&with_files(&[
        "verify",
        "--check-only",
        "--chunk-rows",
        "50",
    ]));
    let line = run.fails(DATA_LOSS, "verify failed: ").to_string();
    assert_eq!(
        line,
        "verify failed: 2 tables differ: \
         table customer differs from the mapping of old table Customer in 7 rows, at key 7, 8, 9, 10, 11 and 2 more; \
         table tag differs from the mapping of old table Tag in 1 row, at key (5, 'a'); \
         table tag has 1 row no row of old table Tag maps to, at key (9999, 'zz'); \
         run `mig verify` without --check-only to recopy the differing rows"
    );
    assert_eq!(
        std::fs::read(p.path("new.db")).expect("new"),
        before,
        "a check changed the new database"
    );

    let run = p.mig(&with_files(&["verify"])).ok();
    run.line_starting("verified: 850 rows in 4 tables, 0 differences");
    p.mig(&with_files(&["drain"])).ok();
    p.mig(&with_files(&["cutover"])).ok();
    oracle::assert_matches(&p.path("old.db"), &p.path("new.db"));
}

#[test]
fn verify_through_an_agent() {
    let p = Project::shop(50);
    let agent = TestAgent::plain(vec![database("shop", &p)]);
    let a = agent.url.as_str();
    p.mig(&["--agent", a, "migrate", "--schema", "schema.sql"])
        .ok();
    p.mig(&["--agent", a, "verify"])
        .ok()
        .line_starting("verified: 212 rows in 4 tables, 0 differences");
    p.tamper(
        "new.db",
        "UPDATE customer SET full_name = 'x' WHERE id = 9;",
    );
    let line = p
        .mig(&["--agent", a, "verify", "--check-only"])
        .fails(DATA_LOSS, "verify failed: ")
        .to_string();
    assert!(line.contains("at key 9;"), "{line}");
}

/// Exit code of FAILED_PRECONDITION (`client/exit.rs`).
const FAILED: i32 = super::harness::FAILED;

#[test]
fn cutover_of_an_uncertified_migration_is_refused_and_skip_verify_is_shown_by_status() {
    let p = Project::shop(100);
    p.mig(&with_files(&["migrate", "--schema", "schema.sql"]))
        .ok();
    p.mig(&with_files(&["drain", "--skip-verify"]))
        .ok()
        .has_line("verify: skipped (--skip-verify); not certified");
    p.mig(&with_files(&["status"]))
        .ok()
        .has_line("certified: no (drain ran with --skip-verify; run `mig verify`)")
        .line_starting("next: the copy is not verified: run `mig verify`");
    let before = std::fs::read(p.path("new.db")).expect("new");
    let line = p
        .mig(&with_files(&["cutover"]))
        .fails(FAILED, "cutover failed: the migration is not certified: drain ran with --skip-verify; run `mig verify`")
        .to_string();
    assert!(line.contains("or pass --skip-verify"), "{line}");
    assert_eq!(std::fs::read(p.path("new.db")).expect("new"), before);

    p.mig(&with_files(&["cutover", "--skip-verify"]))
        .ok()
        .line_starting("verification: none — cut over without verification");
    let st = p.mig(&with_files(&["status"])).ok();
    st.has_line("phase: cut over")
        .has_line("certified: no — cut over without verification (--skip-verify)");
    assert!(st
        .line_starting("next: ")
        .starts_with("next: cut over without verification; "));
    let json = p.mig(&with_files(&["--json", "status"])).ok();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(v["skipVerify"], true, "{v}");
}

#[test]
fn verify_after_drain_is_a_final_check_that_certifies_and_catches_a_tampered_row() {
    let p = Project::shop(100);
    p.mig(&with_files(&["migrate", "--schema", "schema.sql"]))
        .ok();
    p.mig(&with_files(&["drain", "--skip-verify"])).ok();
    p.mig(&with_files(&["verify", "--check-only"]))
        .ok()
        .line_starting("certified at replay checkpoint ");
    p.mig(&with_files(&["status"]))
        .ok()
        .line_starting("certified: yes (verified by verify at ");
    p.tamper("new.db", "UPDATE customer SET email = 'x' WHERE id = 12;");
    let line = p
        .mig(&with_files(&["verify", "--check-only"]))
        .fails(DATA_LOSS, "verify failed: ")
        .to_string();
    assert!(
        line.contains("table customer") && line.contains("at key 12;"),
        "{line}"
    );
    p.mig(&with_files(&["status"]))
        .ok()
        .line_starting("certified: no ");
    p.mig(&with_files(&["cutover"]))
        .fails(FAILED, "cutover failed: the migration is not certified");
}

#[test]
fn verify_queries_through_an_agent_flags_the_query_that_lost_its_index() {
    let p = Project::empty("items");
    p.sql(
        "old.db",
        "PRAGMA journal_mode = WAL;
         CREATE TABLE item (id INTEGER PRIMARY KEY, sku TEXT NOT NULL, qty INTEGER);
         CREATE INDEX item_sku ON item(sku);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
         INSERT INTO item SELECT i, 'sku-' || i, i % 97 FROM n;",
    );
    p.write(
        "schema.sql",
        "CREATE TABLE item (id INTEGER PRIMARY KEY, sku TEXT NOT NULL, qty INTEGER);\n",
    );
    p.write(
        "queries.sql",
        "SELECT qty FROM item WHERE id = 4242;\nSELECT count(*) FROM item WHERE sku = 'sku-31337';\n",
    );
    let agent = TestAgent::plain(vec![database("items", &p)]);
    let a = agent.url.as_str();
    p.mig(&["--agent", a, "migrate", "--schema", "schema.sql"])
        .ok();
    let run = p
        .mig(&["--agent", a, "verify", "--queries", "queries.sql"])
        .ok();
    let slow = run.line_starting("    2. line 2");
    assert!(slow.contains("SLOWER"), "{}", run.stdout);
    assert!(
        !run.line_starting("    1. line 1").contains("SLOWER"),
        "{}",
        run.stdout
    );
    run.line_starting("queries: 1 of 2 more than 2x slower on the new database");

    p.write("bad.sql", "SELECT 1;\nDELETE FROM item;\n");
    p.mig(&["--agent", a, "verify", "--queries", "bad.sql"])
        .fails(
            super::harness::FAILED,
            "verify failed: bad.sql:2: query 2 is not read-only",
        );
    let rows: i64 = rusqlite::Connection::open(p.path("new.db"))
        .expect("new")
        .query_row("SELECT count(*) FROM item", [], |r| r.get(0))
        .expect("count");
    assert_eq!(rows, 50_000);
}

#[test]
fn verify_queries_refuses_an_old_double_quoted_column_instead_of_timing_it_as_a_string() {
    let p = Project::shop(20);
    p.mig(&with_files(&["migrate", "--schema", "schema.sql"]))
        .ok();
    // The new customer has no FirstName: SQLite's legacy fallback would read
    // "FirstName" as the string 'FirstName' and time a query that does not
    // do what it says.
    p.write(
        "queries.sql",
        "SELECT \"FirstName\" FROM customer WHERE id = 1;\n",
    );
    let line = p
        .mig(&with_files(&["verify", "--queries", "queries.sql"]))
        .fails(
            super::harness::FAILED,
            "verify failed: queries.sql:1: query 1 ",
        )
        .to_string();
    assert!(line.contains("no such column: \"FirstName\""), "{line}");
    // With the old spelling given for the old side, it runs on both.
    p.write(
        "queries.sql",
        "-- mig:old SELECT \"FirstName\" FROM \"Customer\" WHERE \"CustomerId\" = 1;\nSELECT full_name FROM customer WHERE id = 1;\n",
    );
    p.mig(&with_files(&["verify", "--queries", "queries.sql"]))
        .ok()
        .line_starting("queries: 1 timed");
}
