//! `drain --cutover` through the cutover's hook gate (issue 12): the
//! `on-before-cutover` hook runs before the freeze, while the service's
//! writes still flow (the hook itself writes to the old database to prove
//! it); a refusal leaves them flowing with nothing drained or cut over, and
//! an approval cuts over in the same job, then `on-cutover` and
//! `on-success` run. A writer in its own process throughout; the oracle at
//! the end. And the revert window `drain --cutover --revert-window` opens,
//! or refuses before anything is frozen.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::cli::harness::{Project, FAILED};
use crate::outage::{drain_summary, files, migrated_project, writer};
use crate::support::writer_process::Outcome;
use crate::support::{oracle, revert_case};

/// An `on-before-cutover` hook that writes one order to the old database
/// with the sqlite3 shell, logs whether the write was accepted, then exits
/// with `code` (and a reason on stderr unless 0).
fn before_cutover_hook(dir: &Path, old: &Path, code: i32) {
    let log = dir.join("hooks.log");
    let script = format!(
        "#!/bin/sh\n\
         if sqlite3 -cmd '.timeout 5000' '{old}' \"INSERT INTO Orders(CustomerId, ProductCode, Qty, Note) VALUES (1, 'P-00001', 1, 'hook')\" 2>/dev/null; \
         then echo 'on-before-cutover|write accepted' >> '{log}'; \
         else echo 'on-before-cutover|write refused' >> '{log}'; fi\n\
         [ {code} -eq 0 ] || echo 'change CHG-9 is not approved' >&2\n\
         exit {code}\n",
        old = old.display(),
        log = log.display(),
    );
    write_script(&dir.join("on-before-cutover"), &script);
}

/// The hooks that only say they ran.
fn logging_hooks(dir: &Path) {
    for point in ["on-cutover", "on-success", "on-failure"] {
        let script = format!(
            "#!/bin/sh\necho '{point}' >> '{}'\n",
            dir.join("hooks.log").display()
        );
        write_script(&dir.join(point), &script);
    }
}

fn write_script(path: &Path, text: &str) {
    std::fs::write(path, text).expect("hook");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn fired(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("hooks.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn drain_cutover_asks_the_before_cutover_hook_while_writes_flow_and_its_refusal_changes_nothing() {
    let p = migrated_project(300);
    let (old, new) = (p.path("old.db"), p.path("new.db"));
    let hooks = p.path("hooks");
    std::fs::create_dir_all(&hooks).expect("hooks dir");
    logging_hooks(&hooks);
    before_cutover_hook(&hooks, &old, 4);
    let mut w = writer(&p.dir, &old, &new);

    let refused = p.mig(&files("drain", &["--cutover", "--hooks", "hooks"]));
    let line = refused.fails(
        FAILED,
        "drain failed: drain --cutover refused before its freeze: hook on-before-cutover exited 4: change CHG-9 is not approved; nothing frozen or cut over, writes still flow",
    );
    assert!(line.contains("hooks/on-before-cutover"), "{line}");
    assert_eq!(
        fired(&hooks),
        ["on-before-cutover|write accepted", "on-failure"]
    );
    p.mig(&files("status", &[]))
        .ok()
        .has_line("phase: recording");
    let accepted = w.log().count(Outcome::Ok);
    w.wait_for(Outcome::Ok, accepted + 10);
    assert_eq!(w.log().count(Outcome::Refused), 0, "the writer was refused");

    before_cutover_hook(&hooks, &old, 0);
    let run = p
        .mig(&files(
            "drain",
            &["--cutover", "--hooks", "hooks", "--json"],
        ))
        .ok();
    assert!(drain_summary(&run.stdout)["cutover"]["newPath"].is_string());
    w.wait_for(Outcome::Ready, 1);
    w.stop();
    assert_eq!(
        fired(&hooks)[2..],
        [
            "on-before-cutover|write accepted",
            "on-cutover",
            "on-success"
        ]
    );
    oracle::assert_matches(&old, &new);
}

#[test]
fn drain_cutover_opens_the_revert_window_it_is_given_and_refuses_one_it_cannot_open_before_freezing(
) {
    // The shop fixture has no `mig:revert` lines for what it computes.
    let p = migrated_project(100);
    let refused = p.mig(&files("drain", &["--cutover", "--revert-window", "30m"]));
    refused.fails(FAILED, "drain failed: cannot open a revert window: ");
    p.mig(&files("status", &[]))
        .ok()
        .has_line("phase: recording");

    let p = Project::empty("shop");
    revert_case::create_old(&p.path("old.db"));
    p.write("schema.sql", revert_case::SCHEMA);
    let files = ["--old", "old.db", "--new", "new.db"];
    p.mig(&[&files[..], &["migrate", "--accept-data-loss"]].concat())
        .ok();
    let run = p
        .mig(&[&files[..], &["drain", "--cutover", "--revert-window", "1h"]].concat())
        .ok();
    run.line_starting("writes refused for ");
    run.line_starting("revert window: open until ");
    revert_case::snapshot(&p.path("old.db"), &p.path("new.db"), &p.dir);
    p.mig(&[&files[..], &["revert"]].concat())
        .ok()
        .line_starting("reverted: ");
    revert_case::assert_old_is_inverse(&p.path("old.db"), &p.path("new.db"), &p.dir);
}
