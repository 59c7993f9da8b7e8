//! `mig reset` run from the wrong folder (found in the Airflow run: the
//! operator's shell was in the DAGs folder, `--old old.db --new new.db`
//! named no file there). It printed "nothing to reset: no migration tables
//! and no new database found" and exited 0, telling the operator the
//! migration was gone while the real old database kept recording. Now it
//! refuses in one line naming the missing old database, like every other
//! command, and touches nothing.

use super::harness::{mig_in, Project, FAILED};

#[test]
fn reset_from_a_folder_without_the_old_database_refuses_instead_of_saying_nothing_to_reset() {
    let p = Project::shop(30);
    p.migrate(&[]).ok();
    let other = p.path("dags");
    std::fs::create_dir(&other).expect("dags folder");
    let new_before = std::fs::read(p.path("new.db")).expect("new.db");
    for extra in [&["--dry-run"][..], &["--yes"][..], &[][..]] {
        let args = [&["reset", "--old", "old.db", "--new", "new.db"][..], extra].concat();
        let run = mig_in(&other, &args);
        let line = run.fails(FAILED, "reset failed: old database old.db does not exist");
        assert!(line.ends_with("check the path"), "{line}");
        assert!(!run.stdout.contains("nothing to reset"), "{run:#?}");
    }
    let left: Vec<_> = std::fs::read_dir(&other).expect("list").collect();
    assert!(left.is_empty(), "reset created files in the wrong folder");
    assert_eq!(std::fs::read(p.path("new.db")).expect("new.db"), new_before);
    p.mig(&["status", "--old", "old.db", "--new", "new.db"])
        .ok()
        .has_line("marker status: recording");
    // In the right folder, with nothing left, it still says so and exits 0.
    p.mig(&["reset", "--old", "old.db", "--new", "new.db", "--yes"])
        .ok();
    p.mig(&["reset", "--old", "old.db", "--new", "new.db"])
        .ok()
        .has_line("nothing to reset: no migration tables and no new database found");
}
