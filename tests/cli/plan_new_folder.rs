//! `plan` answers what `migrate` would: a `--new` in a folder that does not
//! exist. Found by the Wagtail run (docs/reliability.md): `mig plan --new
//! media/x/new.db` said "can migrate: yes" (exit 0) and the `migrate` that
//! followed was refused at once ("the folder of the new database ... does
//! not exist"). `plan` now lists the same refusal as a blocker, exit 1, and
//! neither command creates the folder or changes a file.

use super::bad_input::snapshot;
use super::harness::{Project, FAILED};

#[test]
fn plan_blocks_a_new_database_in_a_missing_folder_as_migrate_refuses_it() {
    let p = Project::shop(20);
    let before = snapshot(&p.dir);
    let args = |cmd| {
        [
            cmd,
            "--old",
            "old.db",
            "--new",
            "media/x/new.db",
            "--schema",
            "schema.sql",
        ]
    };
    let migrate = p.mig(&args("migrate"));
    let refusal = migrate.fails(FAILED, "migrate failed: the folder of the new database");
    let plan = p.mig(&args("plan"));
    plan.fails(FAILED, "plan failed: migrate could not run: ");
    plan.has_line("can migrate: no");
    let why = refusal.trim_start_matches("migrate failed: ");
    assert!(
        plan.stdout.lines().any(|l| l == format!("  - {why}")),
        "plan's blockers lack migrate's refusal `{why}`:\n{}",
        plan.stdout
    );
    assert!(!p.path("media").exists(), "a folder was created");
    assert_eq!(snapshot(&p.dir), before, "a file changed");
}

#[test]
fn plan_of_a_new_database_in_an_existing_folder_is_not_blocked_by_it() {
    let p = Project::shop(20);
    std::fs::create_dir(p.path("v2")).expect("mkdir");
    p.mig(&[
        "plan",
        "--old",
        "old.db",
        "--new",
        "v2/new.db",
        "--schema",
        "schema.sql",
    ])
    .ok()
    .has_line("can migrate: yes");
}
