//! `old` and `new` swapped before any migration: the new path names the
//! live database, the old one a file not made yet. Found by a new user's
//! Redmine run (docs/reliability.md) with an `agent.toml` entry written
//! the wrong way round: `plan` said the old database does not exist, but
//! `migrate` said "the new database ... already exists and mig did not
//! create it; pass another --new", advice a client of an agent cannot
//! follow and that sends the operator after the live file. Now `migrate`
//! names the swap in one line, locally and through a real agent, and no
//! file changes.

use crate::support::agent::TestAgent;

use super::bad_input::snapshot;
use super::harness::Project;
use super::real_agent::operator_on;

const SWAPPED: &str = "old and new look swapped; check --old and --new (on an agent: `old` and `new` of this database in agent.toml)";

#[test]
fn migrate_with_old_and_new_swapped_names_the_swap_locally_and_changes_nothing() {
    let p = Project::shop(20);
    let before = snapshot(&p.dir);
    let files = [
        "--old",
        "new.db",
        "--new",
        "old.db",
        "--schema",
        "schema.sql",
    ];
    let run = p.mig(&[&["migrate"][..], &files[..]].concat());
    run.fails(1, "migrate failed: the old database new.db does not exist and the new database old.db is one mig did not create");
    assert!(run.stderr.contains(SWAPPED), "{run:#?}");
    // `plan` stops earlier, at the missing old file: one line naming it.
    p.mig(&[&["plan"][..], &files[..]].concat()).fails(
        1,
        "plan failed: old database new.db does not exist; check the path",
    );
    assert_eq!(snapshot(&p.dir), before, "a file changed");
}

#[test]
fn an_agent_toml_entry_with_old_and_new_swapped_is_named_on_migrate_and_changes_nothing() {
    let p = Project::shop(20);
    let agent = TestAgent::start(&p.dir, &[("shop", &p.path("new.db"), &p.path("old.db"))]);
    let op = operator_on(&agent, "shop", p.dir.clone());
    let before = std::fs::read(p.path("old.db")).expect("old.db");
    let run = op(&["migrate", "--schema", "schema.sql"]);
    assert_ne!(run.code, 0, "{run:#?}");
    assert!(run.stderr.contains(SWAPPED), "{run:#?}");
    assert!(!run.stderr.contains("pass another --new"), "{run:#?}");
    assert_eq!(std::fs::read(p.path("old.db")).expect("old.db"), before);
    assert!(!p.path("new.db").exists(), "migrate created the old path");
}

/// The agent said nothing at start about such an entry (its `old` missing,
/// its `new` an existing database mig did not make): the missing-file
/// warning was skipped because `new` exists. Now it warns at start that
/// the two look swapped, and an entry whose old file is gone beside a new
/// database mig made (a finished migration's) is still not warned about.
#[test]
fn the_agent_warns_at_start_about_an_entry_whose_old_and_new_look_swapped() {
    let p = Project::shop(20);
    p.migrate(&[]).ok();
    let done = p.path("done-old.db");
    let agent = TestAgent::start(
        &p.dir,
        &[
            ("swapped", &p.path("nothing.db"), &p.path("old.db")),
            ("finished", &done, &p.path("new.db")),
        ],
    );
    let warning = format!(
        "database \"swapped\": its old database {} does not exist and its new database {} is one mig did not create: `old` and `new` look swapped; check them in {} (after an edit, SIGHUP the agent)",
        p.path("nothing.db").display(),
        p.path("old.db").display(),
        agent.config_path().display()
    );
    assert_eq!(agent.log().matches(&warning).count(), 1, "{}", agent.log());
    assert!(
        !agent.log().contains("database \"finished\""),
        "{}",
        agent.log()
    );
    assert!(!p.path("nothing.db").exists(), "the agent created a file");
}
