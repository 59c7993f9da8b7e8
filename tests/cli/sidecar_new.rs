//! `--new` naming one of the files SQLite keeps beside the old database
//! (`old.db-wal`, what a tab completion offers while the service has the
//! database open). `migrate` used to install recording on the old database,
//! create the new one at that path and fail with "new database old.db-wal
//! does not exist" once the service's SQLite took the file for its WAL,
//! leaving the old database recording into its own journal. Now it refuses
//! in one line, locally and through a real agent whose `agent.toml` names
//! such a path, and changes no file.

use crate::support::agent::TestAgent;

use super::bad_input::snapshot;
use super::harness::{Project, FAILED};
use super::real_agent::operator_on;

#[test]
fn migrate_into_the_old_databases_wal_shm_or_journal_path_is_refused_and_changes_no_file() {
    let p = Project::shop(30);
    let before = snapshot(&p.dir);
    for side in ["old.db-wal", "old.db-shm", "old.db-journal"] {
        let run = p.mig(&[
            "migrate",
            "--old",
            "old.db",
            "--new",
            side,
            "--schema",
            "schema.sql",
        ]);
        let line = run.fails(FAILED, "migrate failed: ");
        let file = side.trim_start_matches("old.db");
        assert!(
            line.contains(&format!("is the old database's {file} file"))
                && line.ends_with("pass a different --new"),
            "{line}"
        );
        assert_eq!(snapshot(&p.dir), before, "`--new {side}` changed a file");
    }
    let status = p
        .mig(&["status", "--old", "old.db", "--new", "new.db"])
        .ok();
    assert_eq!(status.line_starting("phase: "), "phase: not started");
}

#[test]
fn an_agent_whose_new_path_is_the_old_databases_wal_refuses_migrate() {
    let p = Project::shop(30);
    let agent = TestAgent::start(
        &p.dir,
        &[("shop", &p.path("old.db"), &p.path("old.db-wal"))],
    );
    let mig = operator_on(&agent, "shop", p.dir.clone());
    let line = mig(&["migrate", "--schema", "schema.sql"])
        .fails(FAILED, "migrate failed: ")
        .to_string();
    assert!(line.contains("is the old database's -wal file"), "{line}");
    let status = mig(&["status"]).ok();
    assert_eq!(status.line_starting("phase: "), "phase: not started");
}
