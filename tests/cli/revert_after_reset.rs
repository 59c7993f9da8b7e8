//! `mig revert` after `mig reset` removed the new database: one line says
//! the new database does not exist (it had said the file "was not created
//! by `mig migrate`", as if a stranger's file were there), exit 1, and no
//! file changes.

use super::bad_input::snapshot;
use super::harness::{Project, FAILED};

#[test]
fn revert_after_reset_says_the_new_database_does_not_exist_and_changes_nothing() {
    let p = Project::shop(20);
    p.migrate(&[]).ok();
    p.mig(&["reset", "--old", "old.db", "--new", "new.db", "--yes"])
        .ok();
    assert!(!p.path("new.db").exists(), "reset removes the new database");
    let before = snapshot(&p.dir);

    let run = p.mig(&["revert", "--old", "old.db", "--new", "new.db"]);
    let line = run.fails(FAILED, "revert failed: ");
    assert!(
        line.contains("new.db does not exist: there is nothing to revert"),
        "{line}"
    );
    assert!(!line.contains("not created by"), "{line}");
    assert_eq!(snapshot(&p.dir), before, "a refused revert changed a file");
}
