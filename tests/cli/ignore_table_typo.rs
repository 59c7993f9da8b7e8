//! A table to leave to its owner whose name matches no table of the old
//! database. Found by a new user's Mailman run (docs/reliability.md):
//! `ignore_tables = ["alembic_versoin"]` (for `alembic_version`) was taken
//! without a word; `plan` said "left to their owner: none" and the table
//! meant was recorded, frozen and copied. Now `plan` warns, naming it.

use super::harness::Project;

#[test]
fn plan_warns_about_an_ignored_table_the_old_database_does_not_have() {
    let p = Project::shop(20);
    p.sql("old.db", "CREATE TABLE audit_shadow(x INTEGER);");
    let args = ["--old", "old.db", "--new", "new.db", "plan"];
    let typo = p
        .mig(
            &[
                &args[..],
                &[
                    "--ignore-table",
                    "audit_shadw",
                    "--ignore-table",
                    "AUDIT_SHADW",
                ],
            ]
            .concat(),
        )
        .ok();
    let warned: Vec<&str> = typo
        .stdout
        .lines()
        .filter(|l| l.contains("ignore_tables names"))
        .collect();
    assert_eq!(warned.len(), 1, "one warning per name:\n{}", typo.stdout);
    assert!(
        warned[0]
            .contains("ignore_tables names audit_shadw, which the old database has no table of"),
        "{}",
        warned[0]
    );
    let right = p
        .mig(&[&args[..], &["--ignore-table", "audit_shadow"]].concat())
        .ok();
    assert!(
        !right.stdout.contains("ignore_tables names"),
        "{}",
        right.stdout
    );
    assert!(!p.path("new.db").exists(), "plan created the new database");
}
