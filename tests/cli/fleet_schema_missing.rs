//! A fleet file whose `schema` names no file (a typo, or a path written
//! relative to the shell's folder instead of the fleet file's). Found by a
//! new user's Mailman tenants (docs/reliability.md): `mig fleet plan` said
//! "schema file ... does not exist; pass --schema or run from the project
//! folder", but `mig fleet` has no --schema and no project folder. Now the
//! line names the target and says to fix `schema` in the fleet file.

use super::bad_input::snapshot_beside_readers;
use super::harness::{mig_in, FAILED};

#[test]
fn fleet_plan_with_a_missing_schema_file_names_the_target_and_the_fleet_files_key() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::write(
        dir.join("schema.sql"),
        "CREATE TABLE t (id INTEGER PRIMARY KEY);\n",
    )
    .expect("schema.sql");
    std::fs::write(
        dir.join("fleet.toml"),
        "[defaults]\nschema = \"schema.sq\"\n[[target]]\nname = \"lists\"\nagent = \"http://localhost:7443\"\ndatabase = \"lists\"\n",
    )
    .expect("fleet.toml");
    let before = snapshot_beside_readers(dir);
    for command in ["plan", "rollout"] {
        let run = mig_in(
            dir,
            &["fleet", command, "--yes"][..if command == "plan" { 2 } else { 3 }],
        );
        let line = run.fails(
            FAILED,
            &format!("fleet {command} failed: target \"lists\": schema file"),
        );
        assert!(line.contains("schema.sq does not exist"), "{line}");
        assert!(line.contains("fix `schema` in the fleet file"), "{line}");
        assert!(!line.contains("--schema"), "{line}");
    }
    assert_eq!(snapshot_beside_readers(dir), before, "fleet changed a file");
}
