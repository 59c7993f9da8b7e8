//! `--new` naming the old database under another name: a symbolic link
//! (a deploy's `current.db`) or a hard link (`ln old.db new.db`). Found on
//! a Buildbot master's `state.sqlite` (docs/reliability.md): both were
//! refused as "already exists and mig did not create it", which sends the
//! user looking for another tool's file, and the hard link's check left an
//! empty `old.db-wal` beside the old database. Now `plan` and `migrate`
//! say the new path is the old database, in one line, and change no file.

use super::bad_input::snapshot;
use super::harness::{Project, FAILED};

fn refused_as_the_old_database(p: &Project, link: &str) {
    let before = snapshot(&p.dir);
    for cmd in ["plan", "migrate"] {
        let run = p.mig(&[
            cmd,
            "--old",
            "old.db",
            "--new",
            link,
            "--schema",
            "schema.sql",
        ]);
        let line = run.fails(FAILED, &format!("{cmd} failed: "));
        assert!(
            line.contains(&format!(
                "the new database {link} is the old database old.db"
            )) && line.ends_with("pass a different --new"),
            "{line}"
        );
        assert_eq!(
            snapshot(&p.dir),
            before,
            "`{cmd} --new {link}` changed a file"
        );
    }
}

#[test]
fn new_is_a_hard_link_of_old_is_refused_as_the_old_database_and_leaves_no_wal() {
    let p = Project::shop(30);
    std::fs::hard_link(p.path("old.db"), p.path("new.db")).expect("hard link");
    refused_as_the_old_database(&p, "new.db");
}

#[cfg(unix)]
#[test]
fn new_is_a_symlink_to_old_is_refused_as_the_old_database() {
    let p = Project::shop(30);
    std::os::unix::fs::symlink("old.db", p.path("current.db")).expect("symlink");
    refused_as_the_old_database(&p, "current.db");
}
