//! `drain` after `revert`: the old database has no migration tables any
//! more, and drain said "has no migration tables (_migration_marker is
//! missing); verify the command order: migrate -> drain -> cutover", while
//! every other command in that state says the migration was reverted and
//! names `mig reset`. Found by the Prefect run. Now drain and
//! `drain --cutover` say it was reverted, and no file changes.

use super::bad_input::snapshot;
use super::harness::{Project, FAILED};

const FILES: [&str; 4] = ["--old", "old.db", "--new", "new.db"];

fn run(p: &Project, args: &[&str]) -> super::harness::Run {
    p.mig(&[&args[..1], &FILES[..], &args[1..]].concat())
}

#[test]
fn drain_after_revert_says_the_migration_was_reverted_and_names_reset() {
    let p = Project::custom(
        "drain_after_revert",
        "PRAGMA journal_mode=WAL; CREATE TABLE note(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO note(body) VALUES ('a'), ('b');",
        "CREATE TABLE note(id INTEGER PRIMARY KEY, body TEXT, pinned INTEGER NOT NULL DEFAULT 0);\n",
    );
    p.migrate(&[]).ok();
    run(&p, &["drain"]).ok();
    run(&p, &["cutover", "--revert-window", "1h"]).ok();
    run(&p, &["revert"]).ok();
    let before = snapshot(&p.dir);
    for args in [&["drain"][..], &["drain", "--cutover"][..]] {
        let r = run(&p, args);
        let line = r.fails(FAILED, "drain failed: ");
        assert!(
            line.contains("was reverted: the old database serves again")
                && line.contains("`mig reset`"),
            "{r:#?}"
        );
        assert!(!line.contains("verify the command order"), "{r:#?}");
    }
    assert_eq!(snapshot(&p.dir), before, "a file changed");
}
