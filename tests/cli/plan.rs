//! `mig plan`: the mapping it prints, its verdict as the exit code, the
//! schema file it needs, and `--json`.

use super::harness::{Project, FAILED};
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
