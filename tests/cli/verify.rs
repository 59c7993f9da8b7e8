//! `mig verify` with the real binary, in-process and against an agent: the
//! per-table lines and the verdict, a row changed behind the tool's back
//! reported with table and key and exit code 4 (DATA_LOSS), then repaired.

use super::agent::TestAgent;
use super::harness::Project;
use super::remote::database;

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
    run.has_line("  customer: 200 rows in 5 chunk(s)");
    assert!(run
        .line_starting("verified: 850 rows in 4 tables, 0 differences")
        .ends_with(" s)"));

    p.sql("new.db", "UPDATE customer SET email = 'x' WHERE id = 7;");
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
fn verify_through_an_agent() {
    let p = Project::shop(50);
    let agent = TestAgent::plain(vec![database("shop", &p)]);
    let a = agent.url.as_str();
    p.mig(&["--agent", a, "migrate", "--schema", "schema.sql"])
        .ok();
    p.mig(&["--agent", a, "verify"])
        .ok()
        .line_starting("verified: 212 rows in 4 tables, 0 differences");
    p.sql(
        "new.db",
        "UPDATE customer SET full_name = 'x' WHERE id = 9;",
    );
    let line = p
        .mig(&["--agent", a, "verify", "--check-only"])
        .fails(DATA_LOSS, "verify failed: ")
        .to_string();
    assert!(line.contains("at key 9;"), "{line}");
}
