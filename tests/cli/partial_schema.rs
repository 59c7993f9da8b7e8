//! A delta file as the schema: the new schema names 2 of the old
//! database's 12 tables. Found by a new user's Synapse run
//! (docs/reliability.md): one of Synapse's delta files as `--schema`
//! dropped 173 of 175 tables; `plan` listed them as data loss with no word
//! on the likely mistake, and `migrate`'s refusal was one 6.7 kB line. Now
//! plan says the schema keeps 2 of 12 tables, and the refusal names five
//! losses, counts the rest, and changes nothing.

use super::harness::{Project, FAILED};

fn old_sql() -> String {
    let mut sql = String::from("PRAGMA journal_mode = WAL;\n");
    for i in 0..12 {
        sql.push_str(&format!(
            "CREATE TABLE t{i} (id INTEGER PRIMARY KEY, v TEXT);\nINSERT INTO t{i} (v) VALUES ('a'), ('b');\n"
        ));
    }
    sql
}

const DELTA: &str = "CREATE TABLE t0 (id INTEGER PRIMARY KEY, v TEXT, w TEXT);
CREATE TABLE t1 (id INTEGER PRIMARY KEY, v TEXT);
";

#[test]
fn a_schema_that_drops_most_old_tables_is_named_as_partial_and_refused_in_a_short_line() {
    let p = Project::custom("delta", &old_sql(), DELTA);
    let plan = p.mig(&["plan", "--old", "old.db", "--new", "new.db"]).ok();
    let warned = plan
        .stdout
        .lines()
        .find(|l| {
            l.contains("the schema keeps 2 of the old database's 12 tables and drops the other 10")
        })
        .unwrap_or_else(|| panic!("no partial-schema warning:\n{}", plan.stdout));
    assert!(warned.contains("the whole new schema"), "{warned}");

    let before = std::fs::read(p.path("old.db")).expect("old bytes");
    let refused = p.migrate(&[]);
    let line = refused.fails(FAILED, "migrate failed: migrate would lose data: table ");
    assert!(line.contains(" and 5 more"), "{line}");
    assert!(
        line.contains("keeps 2 of the old database's 12 tables"),
        "{line}"
    );
    assert!(line.len() < 700, "{} chars: {line}", line.len());
    assert_eq!(std::fs::read(p.path("old.db")).expect("old"), before);
    assert!(!p.path("new.db").exists(), "migrate left a new database");
}

#[test]
fn a_schema_that_drops_one_table_of_many_gets_no_partial_schema_warning() {
    let p = Project::custom(
        "one_dropped",
        &old_sql(),
        &(1..12)
            .map(|i| format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY, v TEXT);\n"))
            .collect::<String>(),
    );
    let plan = p.mig(&["plan", "--old", "old.db", "--new", "new.db"]).ok();
    assert!(plan.stdout.contains("table t0 (2 rows)"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("the schema keeps"), "{}", plan.stdout);
    let refused = p.migrate(&[]);
    let line = refused.fails(
        FAILED,
        "migrate failed: migrate would lose data: table t0 (2 rows) would not be carried over;",
    );
    assert!(!line.contains("more"), "{line}");
}
