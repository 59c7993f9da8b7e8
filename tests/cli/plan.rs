//! `mig plan`: the mapping it prints, its verdict as the exit code, the
//! schema file it needs, and `--json`.

use super::harness::{Project, FAILED, USAGE};
use crate::support::fixture;

const FILES: [&str; 4] = ["--old", "old.db", "--new", "new.db"];

fn args<'a>(cmd: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![cmd];
    v.extend_from_slice(&FILES);
    v.extend_from_slice(extra);
    v
}

#[test]
fn plan_prints_copy_order_mapping_and_verdict_and_writes_nothing() {
    let p = Project::shop(50);
    let run = p.mig(&args("plan", &["--schema", "schema.sql"])).ok();
    run.has_line("can migrate: yes")
        .has_line("renumbered tables: product")
        .has_line("views: order_totals")
        .has_line("data loss: none")
        .has_line("blockers: none");
    assert!(run
        .line_starting("copy order (4 tables")
        .ends_with("rows):"));
    assert!(run
        .line_starting("       full_name")
        .contains("FirstName || ' ' || LastName"));
    assert!(!p.path("new.db").exists(), "plan must not create new.db");
    // The fixture's old database is in WAL mode and closed: plan must not
    // leave a -wal or -shm beside it (a read-only attach closing last would).
    let mut files: Vec<String> = std::fs::read_dir(&p.dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["old.db", "schema.sql"], "plan left files behind");
}

#[test]
fn plan_with_a_blocker_prints_it_and_exits_1() {
    let p = Project::shop(10);
    p.write(
        "schema.sql",
        "-- mig:from Nope\nCREATE TABLE thing (id INTEGER PRIMARY KEY);\n",
    );
    let run = p.mig(&args("plan", &[]));
    run.fails(FAILED, "plan failed: migrate could not run: ");
    run.has_line("can migrate: no");
    assert!(run.stdout.contains("mig:from Nope"), "{run:#?}");
}

#[test]
fn a_schema_syntax_error_names_the_file_and_line() {
    let p = Project::shop(10);
    p.write("bad.sql", "CREATE TABLE thing (id INTEGER PRIMARY KEY,;\n");
    p.mig(&args("plan", &["--schema", "bad.sql"]))
        .fails(FAILED, "plan failed: bad.sql:1");
}

#[test]
fn a_missing_schema_file_says_where_it_looked() {
    let p = Project::empty("shop");
    let run = p.mig(&args("plan", &[]));
    let line = run.fails(FAILED, "plan failed: ");
    assert_eq!(
        line,
        "plan failed: schema file ./schema.sql does not exist; pass --schema or run from the project folder"
    );
    let run = p.mig(&args("migrate", &["--schema", "other.sql"]));
    assert_eq!(
        run.fails(FAILED, "migrate failed: "),
        "migrate failed: schema file other.sql does not exist; pass --schema or run from the project folder"
    );
}

#[test]
fn data_loss_is_planned_and_migrate_needs_accept_data_loss() {
    let p = Project::shop(20);
    let without_tag = fixture::NEW_SCHEMA
        .split("-- mig:from Tag")
        .next()
        .expect("fixture has a Tag table");
    p.write("schema.sql", without_tag);
    p.mig(&args("plan", &[]))
        .ok()
        .has_line("can migrate: yes, with --accept-data-loss")
        .has_line("  - table Tag (40 rows)");
    p.mig(&args("migrate", &[]))
        .fails(FAILED, "migrate failed: migrate would lose data");
    p.mig(&args("migrate", &["--accept-data-loss"]))
        .ok()
        .line_starting("copied ");
}

#[test]
fn plan_json_is_the_report() {
    let p = Project::shop(10);
    let run = p.mig(&args("plan", &["--json"])).ok();
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(v["canMigrate"], serde_json::Value::Bool(true), "{v}");
    assert_eq!(v["tables"].as_array().map(Vec::len), Some(4), "{v}");
}

#[test]
fn plan_prints_risk_dependencies_precheck_and_estimates() {
    let p = Project::shop(40);
    let run = p.mig(&args("plan", &[])).ok();
    run.has_line("dependencies that break: none")
        .has_line("constraint pre-check (old rows vs new constraints): none");
    assert!(
        run.line_starting("risk: MEDIUM (score ").ends_with("/100)"),
        "{run:#?}"
    );
    assert!(run
        .line_starting("  - MEDIUM 35: table product is renumbered")
        .contains("10 rows get new keys"));
    assert!(run.line_starting("estimates (bytes from ").ends_with("):"));
    assert!(run
        .line_starting("  disk: the new database needs ~")
        .contains(" free"));
}

/// The fixture's schema with a UNIQUE email, and three customers sharing one.
fn duplicate_emails() -> Project {
    let p = Project::shop(20);
    p.sql(
        "old.db",
        "UPDATE Customer SET Email = 'Dup@X' WHERE CustomerId IN (2, 3, 5)",
    );
    p.write(
        "schema.sql",
        &fixture::NEW_SCHEMA.replace("email TEXT, photo BLOB", "email TEXT UNIQUE, photo BLOB"),
    );
    p
}

const DUPLICATE_LINE: &str =
    "3 rows in Customer would violate UNIQUE(email) of customer (old keys: 2, 3, 5)";

#[test]
fn plan_refuses_rows_violating_a_new_unique_and_migrate_refuses_with_the_same_line() {
    let p = duplicate_emails();
    let before = std::fs::read(p.path("old.db")).expect("old");
    let run = p.mig(&args("plan", &[]));
    let line = run.fails(FAILED, "plan failed: migrate could not run: ");
    assert!(line.contains(DUPLICATE_LINE), "{line}");
    run.has_line("can migrate: no");
    assert!(run.line_starting("  - [blocks] ").contains(DUPLICATE_LINE));
    let run = p.mig(&args("migrate", &[]));
    let line = run.fails(FAILED, "migrate failed: ");
    assert!(
        line.starts_with(&format!("migrate failed: {DUPLICATE_LINE}")),
        "{line}"
    );
    assert_eq!(std::fs::read(p.path("old.db")).expect("old"), before);
    assert_eq!(
        database_files(&p),
        vec!["old.db", "schema.sql"],
        "a refused migrate created a file"
    );
}

#[test]
fn plan_rehearse_runs_the_migration_on_a_copy_and_leaves_no_new_db() {
    let p = Project::shop(30);
    let old_before = std::fs::read(p.path("old.db")).expect("old");
    let run = p.mig(&args("plan", &["--rehearse"])).ok();
    run.has_line("rehearsal on a private copy (100% of rows): succeeded")
        .has_line("  customer  30 old rows -> 30 new rows");
    assert!(run.line_starting("  snapshot ").contains("rows copied"));
    assert!(run.line_starting("  new database size: ").ends_with("KiB"));
    assert!(
        !p.path("new.db").exists(),
        "rehearsal created the live new database"
    );
    assert_eq!(std::fs::read(p.path("old.db")).expect("old"), old_before);
    assert_eq!(database_files(&p), vec!["old.db", "schema.sql"]);
}

/// The folder's files but the WAL and its index, which SQLite creates
/// beside any WAL database opened (even read-only) and keeps.
fn database_files(p: &Project) -> Vec<String> {
    p.files()
        .into_iter()
        .filter(|f| !f.ends_with("-wal") && !f.ends_with("-shm"))
        .collect()
}

#[test]
fn plan_rehearse_with_a_sample_reports_the_share() {
    let p = Project::shop(30);
    let run = p
        .mig(
            &args("--json", &[])
                .into_iter()
                .chain(["plan", "--rehearse", "--sample", "50%"])
                .collect::<Vec<_>>(),
        )
        .ok();
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(
        v["rehearsal"]["samplePercent"],
        serde_json::json!(50.0),
        "{v}"
    );
    assert_eq!(
        v["rehearsal"]["succeeded"],
        serde_json::Value::Bool(true),
        "{v}"
    );
    assert!(v["risk"]["level"].is_string(), "{v}");
    assert!(
        v["estimates"]["tables"]
            .as_array()
            .is_some_and(|t| t.len() == 4),
        "{v}"
    );
}

#[test]
fn a_sample_out_of_range_or_without_rehearse_is_a_usage_error() {
    let p = Project::shop(5);
    let run = p.mig(&args("plan", &["--rehearse", "--sample", "0%"]));
    assert_eq!(run.code, USAGE, "{run:#?}");
    assert!(
        run.stderr
            .starts_with("mig: invalid value '0%' for '--sample <PERCENT>': 0% is out of range"),
        "{run:#?}"
    );
    let run = p.mig(&args("plan", &["--sample", "10%"]));
    assert_eq!(run.code, USAGE, "{run:#?}");
    assert!(run.stderr.contains("--rehearse"), "{run:#?}");
}

#[test]
fn plan_json_carries_violations_with_example_keys() {
    let p = duplicate_emails();
    let run = p.mig(&args("plan", &["--json"]));
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let viol = &v["violations"][0];
    assert_eq!(viol["constraint"], "UNIQUE(email)", "{v}");
    assert_eq!(viol["rows"], "3", "{v}");
    assert_eq!(
        viol["exampleKeys"],
        serde_json::json!(["2", "3", "5"]),
        "{v}"
    );
    assert_eq!(viol["blocks"], serde_json::Value::Bool(true), "{v}");
    assert_eq!(v["risk"]["level"], "RISK_LEVEL_CRITICAL", "{v}");
}

#[test]
fn plan_warns_about_an_index_on_an_old_column_name_sqlite_would_read_as_a_string() {
    let p = Project::shop(10);
    p.write(
        "schema.sql",
        &format!(
            "{}\nCREATE INDEX customer_first ON customer(\"FirstName\");\n",
            fixture::NEW_SCHEMA
        ),
    );
    let run = p.mig(&args("plan", &["--schema", "schema.sql"])).ok();
    let line = run.line_starting("  - schema.sql:");
    assert!(
        line.contains("\"FirstName\" names no column, so SQLite reads it as the string 'FirstName' (in `CREATE INDEX customer_first ON customer(\"FirstName\")`)"),
        "{}",
        run.stdout
    );
}

#[test]
fn issue_22_a_sample_under_a_small_root_table_samples_the_large_child_and_says_so() {
    // A small root (kept whole, under 1,000 rows) and a large child: the
    // child keeps 10%, and the report says what each table kept.
    let p = Project::empty("iot");
    p.sql(
        "old.db",
        "PRAGMA journal_mode=WAL;
         CREATE TABLE tenant (id INTEGER PRIMARY KEY, name TEXT);
         CREATE TABLE reading (id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL REFERENCES tenant(id), v REAL);
         INSERT INTO tenant VALUES (1, 'a'), (2, 'b');
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
         INSERT INTO reading SELECT i, 1 + i % 2, i * 0.5 FROM n;",
    );
    p.write(
        "schema.sql",
        "CREATE TABLE tenant (id INTEGER PRIMARY KEY, name TEXT);\n\
         CREATE TABLE reading (id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL REFERENCES tenant(id), v REAL);\n",
    );
    let run = p
        .mig(&args("plan", &["--rehearse", "--sample", "10%"]))
        .ok();
    // Which 10% is fixed by the rows' ids (`rehearse::sample`'s pick).
    run.has_line("  the 10% sample kept 301 of 3002 old rows (10.0%): the largest tables keep about 10%, every row a kept row references stays, tables under 1,000 rows stay whole")
        .has_line("    reading  3000 -> 299 rows (10.0%)")
        .has_line("    tenant   2 rows kept whole")
        .has_line("  reading  299 old rows -> 299 new rows");
}

#[test]
fn an_old_table_split_in_two_is_counted_once_as_old_bytes() {
    let p = Project::empty("desk");
    p.sql(
        "old.db",
        "PRAGMA journal_mode=WAL;
         CREATE TABLE ticket (id INTEGER PRIMARY KEY, title TEXT, contact TEXT);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
         INSERT INTO ticket SELECT i, 'title ' || i, 'c' || i || '@example.com' FROM n;",
    );
    p.write(
        "schema.sql",
        "CREATE TABLE ticket (id INTEGER PRIMARY KEY, title TEXT);\n\
         -- mig:from ticket\n-- mig:set ticket_id = id\n\
         CREATE TABLE ticket_contact (ticket_id INTEGER PRIMARY KEY, contact TEXT);\n",
    );
    let run = p
        .mig(
            &args("--json", &[])
                .into_iter()
                .chain(["plan"])
                .collect::<Vec<_>>(),
        )
        .ok();
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let e = &v["estimates"];
    let per_table: Vec<u64> = e["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .map(|t| {
            t["bytes"]
                .as_str()
                .and_then(|b| b.parse().ok())
                .expect("bytes")
        })
        .collect();
    let old: u64 = e["oldBytes"]
        .as_str()
        .and_then(|b| b.parse().ok())
        .expect("oldBytes");
    let needed: u64 = e["diskNeededBytes"]
        .as_str()
        .and_then(|b| b.parse().ok())
        .expect("needed");
    assert_eq!(per_table.len(), 2, "{e}");
    assert_eq!(per_table[0], per_table[1], "{e}");
    assert_eq!(old, per_table[0], "the one old table, once: {e}");
    assert!(needed >= 2 * old, "both new tables need room: {e}");
}

/// A service that checks `PRAGMA user_version` refuses a new database
/// that lost it: `plan` warns when the old database has one and the schema
/// file (named as given) sets none (it said nothing, and the new database
/// had 0); set in
/// schema.sql, the new database has it once migrated.
#[test]
fn plan_warns_when_the_old_user_version_is_not_set_by_the_schema() {
    let p = Project::shop(50);
    p.sql("old.db", "PRAGMA user_version = 7");
    let run = p.mig(&args("plan", &["--schema", "schema.sql"])).ok();
    run.has_line("  - the old database has PRAGMA user_version = 7 and schema.sql sets none: the new database will have 0, which a service checking it refuses; add `PRAGMA user_version = N;` to schema.sql");
    // The warning names the schema file the operator gave, whatever its name.
    let schema = std::fs::read_to_string(p.path("schema.sql")).expect("schema");
    p.write("v2.sql", &schema);
    let run = p.mig(&args("plan", &["--schema", "v2.sql"])).ok();
    run.has_line("  - the old database has PRAGMA user_version = 7 and v2.sql sets none: the new database will have 0, which a service checking it refuses; add `PRAGMA user_version = N;` to v2.sql");

    let schema = std::fs::read_to_string(p.path("schema.sql")).expect("schema");
    p.write(
        "schema.sql",
        &format!("{schema}\nPRAGMA user_version = 8;\n"),
    );
    let run = p.mig(&args("plan", &["--schema", "schema.sql"])).ok();
    assert!(!run.stdout.contains("user_version"), "{}", run.stdout);
    p.mig(&args("migrate", &["--schema", "schema.sql"])).ok();
    let version: i64 = rusqlite::Connection::open(p.path("new.db"))
        .and_then(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
        .expect("user_version");
    assert_eq!(version, 8);
}
