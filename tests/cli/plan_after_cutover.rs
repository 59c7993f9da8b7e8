//! `mig plan` on a migration already cut over (found in a Calibre run:
//! a fleet plan over `databases = "*"` included the library cut over by
//! hand the day before) printed the whole copy order, "warnings: none" and
//! "can migrate: yes", as if the copy were still to come, while `mig
//! migrate` says there is nothing to do. The plan now warns, in one line
//! naming the ready database; it still exits 0 (migrate succeeds, idly).

use super::harness::{Project, MIGRATE};

#[test]
fn plan_of_a_migration_already_cut_over_warns_that_migrate_has_nothing_to_do() {
    let p = Project::shop(40);
    let plan_args = [&["plan"][..], &MIGRATE[1..]].concat();
    let before = p.mig(&plan_args).ok();
    assert!(before.stdout.contains("warnings: none"), "{before:#?}");
    p.migrate(&[]).ok();
    p.mig(&["drain", "--old", "old.db", "--new", "new.db", "--cutover"])
        .ok();
    p.mig(&["cleanup-old", "--old", "old.db"]).ok();
    let after = p.mig(&plan_args).ok();
    let warning = "  - the migration to this schema is already cut over: new.db is ready and `mig migrate` has nothing to do (`mig status` says what is left)";
    assert!(after.stdout.lines().any(|l| l == warning), "{after:#?}");
    let again = p.migrate(&[]).ok();
    assert!(again.stdout.contains("nothing to do"), "{again:#?}");
}
