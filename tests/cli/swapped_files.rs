//! `--old` and `--new` swapped while a migration records: an operator
//! types the new file first. Found on Home Assistant's recorder
//! (docs/reliability.md): `status --old new.db --new old.db` said "phase:
//! not started" and "next: run `mig plan`, then `mig migrate`", and that
//! `migrate` called the recording old database "another tool's database, a
//! backup or a replica". Now every command names the swap in one line
//! (the old database's marker records the given `--old` as its new
//! database), exits non-zero and changes no file.

use super::bad_input::snapshot;
use super::harness::{Project, FAILED};

#[test]
fn swapped_old_and_new_are_named_as_swapped_by_every_command_and_change_nothing() {
    let p = Project::shop(200);
    p.migrate(&[]).ok();
    let before = snapshot(&p.dir);
    let swapped = ["--old", "new.db", "--new", "old.db"];
    let commands: [&[&str]; 6] = [
        &["status"],
        &["verify"],
        &["drain"],
        &["reset", "--yes"],
        &["revert"],
        &["migrate", "--schema", "schema.sql"],
    ];
    for cmd in commands {
        let mut args = cmd.to_vec();
        args.extend_from_slice(&swapped);
        let run = p.mig(&args);
        let line = run.fails(FAILED, &format!("{} failed: ", cmd[0]));
        assert!(
            line.contains("--old new.db and --new old.db are swapped")
                && line.ends_with("pass --old old.db --new new.db"),
            "{line}"
        );
        assert_eq!(snapshot(&p.dir), before, "`mig {}` changed a file", cmd[0]);
    }
    // The right order still works after the refusals.
    p.mig(&["status", "--old", "old.db", "--new", "new.db"])
        .ok()
        .has_line("phase: recording");
}
