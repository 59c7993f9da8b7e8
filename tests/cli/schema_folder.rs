//! `--schema` given a folder answered "Is a directory (os error 21)". Now
//! one line names what to pass: the folder's `schema.sql` when it has one,
//! else the .sql file with the CREATE statements; exit 1, no file made.

use super::harness::{Project, FAILED};

#[test]
fn a_folder_as_schema_names_its_schema_sql() {
    let p = Project::shop(5);
    std::fs::create_dir(p.path("v2")).expect("folder");
    p.write("v2/schema.sql", "CREATE TABLE t(x);");
    for cmd in ["plan", "migrate"] {
        let run = p.mig(&[cmd, "--old", "old.db", "--new", "new.db", "--schema", "v2"]);
        let line = run.fails(FAILED, &format!("{cmd} failed: schema file v2 is a folder"));
        assert!(line.contains("pass --schema v2/schema.sql"), "{line}");
        assert!(!p.path("new.db").exists(), "{cmd} made the new database");
    }
}

#[test]
fn a_folder_without_schema_sql_names_the_file_to_pass() {
    let p = Project::shop(5);
    std::fs::create_dir(p.path("migrations")).expect("folder");
    let run = p.mig(&["plan", "--old", "old.db", "--schema", "migrations"]);
    let line = run.fails(FAILED, "plan failed: schema file migrations is a folder");
    assert!(line.contains("CREATE statements"), "{line}");
}
