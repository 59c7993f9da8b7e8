//! What a new operator of a tenant fleet ran into (a real agent serving a
//! folder over mutual TLS, the real `mig`): a rollout after `fleet revert`
//! refuses in one line naming the command that lets it migrate again (and
//! then does, the copy checked by the hand-written inverse), like `mig
//! migrate` on one reverted database; the reverted new files are never
//! touched by the refusal. A rollout that starts nothing leaves the
//! rollout record alone; two rollouts of one fleet file are not both
//! accepted (a killed one blocks nothing); a refused client certificate is
//! named on each target's line; a revert's lines name it; a folder agent's
//! start line names its rule and what it found.

use std::path::Path;

use crate::support::revert_case as case;
use crate::support::tenant_site::{
    audited, new_db as new, old_db as old, tenant_site, tenant_site_with,
};
use crate::support::writer::Writer;

use super::harness::{mig_in, FAILED};

const TWO: [&str; 2] = ["t000", "t001"];

/// The command between the first pair of backticks after `after`, as
/// arguments after `mig`.
fn command_after(line: &str, after: &str) -> Vec<String> {
    let from = line
        .find(after)
        .unwrap_or_else(|| panic!("no {after:?} in {line}"));
    let cmd = line[from..].split('`').nth(1).expect("a command");
    let words: Vec<String> = cmd.split_whitespace().map(String::from).collect();
    assert_eq!(words[0], "mig", "{line}");
    words[1..].to_vec()
}

#[test]
fn a_rollout_after_fleet_revert_refuses_naming_the_reset_then_migrates_again() {
    let (tmp, agent) = tenant_site(&TWO);
    let dir = tmp.path().to_path_buf();
    mig_in(&dir, &["fleet", "rollout", "-f", "fleet.toml", "--yes"]).ok();
    let back = mig_in(&dir, &["fleet", "revert", "-f", "fleet.toml", "--yes"]).ok();
    // A revert's lines name it, not a rollout.
    let totals = back
        .stdout
        .lines()
        .find(|l| l.starts_with("revert r") && l.ends_with(": 2 reverted"));
    assert!(totals.is_some(), "{}", back.stdout);
    assert!(!back.stdout.contains("rollout r"), "{}", back.stdout);
    let kept: Vec<Vec<u8>> = TWO
        .iter()
        .map(|t| std::fs::read(new(&dir, t)).expect("reverted new file"))
        .collect();

    // Before the fix every tenant read as "already cut over" and the run
    // exited 0 having done nothing.
    let again = mig_in(&dir, &["fleet", "rollout", "-f", "fleet.toml", "--yes"]);
    let line = again
        .fails(
            FAILED,
            "fleet rollout failed: nothing started: 2 target(s) were reverted (a0/t000, a0/t001)",
        )
        .to_string();
    assert!(
        line.contains("`mig fleet rollout` migrates again"),
        "{line}"
    );
    assert_eq!(audited(&agent.log(), "Migrate"), 2, "{}", agent.log());
    for (t, bytes) in TWO.iter().zip(&kept) {
        let now = std::fs::read(new(&dir, t)).expect("reverted new file");
        assert!(now == *bytes, "{t}: the reverted new file changed");
    }
    // `mig migrate` on one of them says the same, in its own terms.
    let certs = dir.join("a0").join("certs");
    let single = mig_in(
        &dir,
        &[
            "--agent",
            &agent.url(),
            "--ca",
            &certs.join("ca.pem").display().to_string(),
            "--cert",
            &certs.join("operator.pem").display().to_string(),
            "--key",
            &certs.join("operator-key.pem").display().to_string(),
            "--database",
            "t000",
            "migrate",
            "--schema",
            "schema.sql",
        ],
    );
    let one = single.fails(FAILED, "migrate failed: ");
    assert!(
        one.contains("was reverted")
            && one.contains("`mig reset` deletes it, then run `mig migrate`"),
        "{one}"
    );

    // The old databases serve again: a service writes to one.
    let writer = Writer::start_with(old(&dir, "t000"), 7, case::old_workload);
    writer.wait_committed(40);
    writer.stop();
    // The command the line names, as typed (stdin is no terminal: --yes).
    let mut reset = command_after(&line, "were reverted");
    reset.push("--yes".into());
    assert_eq!(reset[..4], ["fleet", "reset", "--only", "a0"], "{line}");
    let args: Vec<&str> = reset.iter().map(String::as_str).collect();
    mig_in(&dir, &args).ok();
    let run = mig_in(&dir, &["fleet", "rollout", "-f", "fleet.toml", "--yes"]).ok();
    for t in TWO {
        run.line_starting(&format!("a0/{t}: cut over: this run: migrate"));
        // The hand-written inverse of the new copy gives the old database
        // back, writes since the revert included.
        let snaps = dir.join(format!("snap-{t}"));
        std::fs::create_dir_all(&snaps).expect("snapshot dir");
        case::snapshot(&old(&dir, t), &new(&dir, t), &snaps);
        let compared = case::assert_old_is_inverse(&old(&dir, t), &new(&dir, t), &snaps);
        assert!(compared > 200, "{t}: compared {compared} rows");
    }
}

#[test]
fn a_rollout_that_starts_nothing_neither_creates_nor_changes_the_rollout_record() {
    let (tmp, _agent) = tenant_site(&TWO);
    let dir = tmp.path().to_path_buf();
    let record = dir.join("fleet.rollout.json");
    let text = std::fs::read_to_string(dir.join("fleet.toml")).expect("fleet.toml");
    // A pattern that selects nothing: refused, no record.
    std::fs::write(
        dir.join("fleet.toml"),
        text.replace("databases = \"*\"", "databases = \"zz*\""),
    )
    .expect("fleet.toml");
    mig_in(&dir, &["fleet", "rollout", "-f", "fleet.toml", "--yes"]).fails(
        FAILED,
        "fleet rollout failed: nothing started: a0 select(s) none of the databases its agent serves",
    );
    assert!(
        !record.exists(),
        "a rollout that started nothing wrote {record:?}"
    );
    // Nor its lock: before the fix an empty fleet.rollout.lock stayed.
    let lock = dir.join("fleet.rollout.lock");
    assert!(!lock.exists(), "a failed rollout left {lock:?}");

    std::fs::write(dir.join("fleet.toml"), &text).expect("fleet.toml");
    mig_in(&dir, &["fleet", "rollout", "-f", "fleet.toml", "--yes"]).ok();
    let before = std::fs::read(&record).expect("the record of the rollout");
    let modified = std::fs::metadata(&record)
        .and_then(|m| m.modified())
        .expect("mtime");
    // Everything cut over: one line, and the record as it was.
    let again = mig_in(&dir, &["fleet", "rollout", "-f", "fleet.toml", "--yes"]).ok();
    again.has_line(
        "nothing to start: all 2 target(s) are cut over already; fleet.rollout.json left as it was",
    );
    assert!(std::fs::read(&record).expect("record") == before);
    let after = std::fs::metadata(&record)
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(after, modified, "the record was rewritten");
}

/// A fleet whose client certificate comes from another CA: every line
/// says so, as `mig` says it for one database — before the fix the fleet
/// said "operation was canceled" or "transport error".
#[test]
fn a_client_certificate_the_agent_refuses_is_named_on_each_targets_line() {
    let (tmp, _agent) = tenant_site(&TWO);
    let dir = tmp.path().to_path_buf();
    crate::support::agent::make_certs(&dir.join("elsewhere"));
    let text = std::fs::read_to_string(dir.join("fleet.toml"))
        .expect("fleet.toml")
        .replace("a0/certs/operator", "elsewhere/certs/operator");
    let named = text.replace("databases = \"*\"", "database = \"t000\"");
    let named = format!(
        "{named}\n{}",
        &named[named.find("[[target]]").expect("a target")..]
            .replace("name = \"a0\"", "name = \"a1\"")
            .replace("\"t000\"", "\"t001\"")
    );
    std::fs::write(dir.join("many.toml"), &text).expect("many.toml");
    std::fs::write(dir.join("named.toml"), &named).expect("named.toml");
    let refused = "the agent refused the client certificate elsewhere/certs/operator.pem: it is not issued by the agent's client CA";

    let line = mig_in(&dir, &["fleet", "rollout", "-f", "many.toml", "--yes"])
        .fails(
            FAILED,
            "fleet rollout failed: nothing done: a0: cannot list",
        )
        .to_string();
    assert!(line.contains(refused), "{line}");
    let status = mig_in(&dir, &["fleet", "status", "-f", "named.toml"]);
    assert_eq!(status.code, super::harness::UNAVAILABLE, "{status:#?}");
    for t in ["a0", "a1"] {
        let row = status.line_starting(&format!("{t} "));
        assert!(row.contains(refused), "{row}");
    }
    let run = mig_in(&dir, &["fleet", "migrate", "-f", "named.toml"]);
    assert_eq!(run.code, FAILED, "{run:#?}");
    for t in ["a0", "a1"] {
        let row = run.line_starting(&format!("{t} "));
        assert!(row.contains("failed") && row.contains(refused), "{row}");
    }
}

/// Waits (up to a minute) until `path` exists.
fn wait_for_file(path: &Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !path.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "{path:?} never appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Two rollouts of one fleet file: the second is refused in one line
/// naming the first (its pid), and changes nothing; once the first is
/// killed (`kill -9`: nothing released) the next rollout is not blocked
/// and finishes. The first is held at a real `on-before-cutover` hook that
/// waits for a file.
#[test]
fn a_second_rollout_of_one_fleet_file_is_refused_until_the_first_is_gone() {
    use std::os::unix::fs::PermissionsExt;
    let hooks = "\n[hooks]\ndir = \"hooks\"\ntimeout_ms = 120000\n";
    let (tmp, agent) = tenant_site_with(&TWO, hooks);
    let dir = tmp.path().to_path_buf();
    let (reached, open) = (dir.join("gate-reached"), dir.join("gate-open"));
    let hook = dir.join("a0").join("hooks").join("on-before-cutover");
    std::fs::create_dir_all(hook.parent().expect("hooks")).expect("hooks dir");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\ntouch '{}'\nwhile [ ! -e '{}' ]; do sleep 0.05; done\n",
            reached.display(),
            open.display()
        ),
    )
    .expect("hook");
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");

    let mut first = std::process::Command::new(env!("CARGO_BIN_EXE_mig"))
        .args(["fleet", "rollout", "-f", "fleet.toml", "--yes"])
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("first rollout");
    wait_for_file(&reached);
    let second = mig_in(&dir, &["fleet", "rollout", "-f", "fleet.toml", "--yes"]);
    let line = second.fails(
        super::harness::BUSY,
        "fleet rollout failed: `mig fleet rollout` (pid ",
    );
    assert!(
        line.contains(&format!("(pid {} on ", first.id()))
            && line.contains("is running on fleet.toml"),
        "{line}"
    );
    // Not a change either: the step-wise commands are refused alike; a
    // dry run and status are not.
    mig_in(&dir, &["fleet", "cutover", "-f", "fleet.toml"]).fails(
        super::harness::BUSY,
        "fleet cutover failed: `mig fleet rollout` (pid ",
    );
    mig_in(&dir, &["fleet", "status", "-f", "fleet.toml"]).ok();
    assert_eq!(audited(&agent.log(), "Migrate"), 2, "{}", agent.log());

    first.kill().expect("kill -9 the first rollout");
    first.wait().expect("reap");
    let lock = dir.join("fleet.rollout.lock");
    assert!(
        lock.exists(),
        "the killed rollout's lock file (who held it) is gone"
    );
    std::fs::write(&open, "").expect("open the gate");
    let third = mig_in(&dir, &["fleet", "rollout", "-f", "fleet.toml", "--yes"]).ok();
    // Ends what the killed run left: a cutover it started may still run on
    // the agent (this run waits for it), or be done (nothing to start).
    third.line_starting("note: `mig fleet rollout` (pid ");
    assert!(!lock.exists(), "the finished rollout left {lock:?}");
    let status = mig_in(&dir, &["fleet", "status", "-f", "fleet.toml"]).ok();
    status.has_line("2 targets: 2 standby (revert window open)");
}

/// The agent's start line names what it serves when that is a folder rule:
/// before, a set-only agent logged `databases=[]`.
#[test]
fn a_folder_agent_logs_its_set_rule_and_how_many_databases_it_found() {
    let (_tmp, agent) = tenant_site(&TWO);
    // Logged just after the address the harness waits for is printed.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let line = loop {
        let log = agent.log();
        if let Some(l) = log.lines().find(|l| l.contains(" listening ")) {
            break l.to_string();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no listening line in:\n{log}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(line.contains("databases=[]"), "{line}");
    assert!(
        line.contains("database_sets=[\"") && line.contains("tenants/*.db\"]"),
        "{line}"
    );
    assert!(line.contains(" served=2"), "{line}");
}

/// Regression: `databases = "*"` also selected the database a canary
/// target on the same agent names, so it appeared twice and one copy
/// failed as busy. The pattern now leaves it to the canary: the plan lists
/// it once, and the rollout migrates each database once.
#[test]
fn a_wildcard_leaves_out_a_database_another_target_on_its_agent_names() {
    let (tmp, agent) = tenant_site(&TWO);
    let dir = tmp.path().to_path_buf();
    let text = std::fs::read_to_string(dir.join("fleet.toml")).expect("fleet.toml");
    let canary = text
        .split("[[target]]")
        .nth(1)
        .expect("the a0 target")
        .replace("name = \"a0\"", "name = \"canary\"")
        .replace("databases = \"*\"", "database = \"t000\"");
    std::fs::write(
        dir.join("fleet.toml"),
        format!("{text}\n[[target]]{canary}"),
    )
    .expect("fleet.toml");
    let plan = mig_in(&dir, &["fleet", "plan", "-f", "fleet.toml"]).ok();
    assert!(!plan.stdout.contains("a0/t000"), "{}", plan.stdout);
    assert!(plan.stdout.contains("a0/t001"), "{}", plan.stdout);
    let run = mig_in(&dir, &["fleet", "rollout", "-f", "fleet.toml", "--yes"]).ok();
    run.line_starting("canary: cut over: this run: migrate");
    run.line_starting("a0/t001: cut over: this run: migrate");
    assert_eq!(audited(&agent.log(), "Migrate"), 2, "{}", agent.log());
}

/// Before, `fleet plan` and `fleet status` took no `--only`: an operator of
/// thousands of tenants could only read all of them.
#[test]
fn fleet_plan_and_status_with_only_report_the_named_targets_and_refuse_an_unknown_name() {
    let (tmp, _agent) = tenant_site(&TWO);
    let dir = tmp.path().to_path_buf();
    for cmd in ["plan", "status"] {
        let run = mig_in(
            &dir,
            &["fleet", cmd, "-f", "fleet.toml", "--only", "a0/t001"],
        )
        .ok();
        assert!(run.stdout.contains("a0/t001"), "{cmd}: {}", run.stdout);
        assert!(!run.stdout.contains("a0/t000"), "{cmd}: {}", run.stdout);
        let both = mig_in(&dir, &["fleet", cmd, "-f", "fleet.toml", "--only", "a0"]).ok();
        for t in TWO {
            assert!(
                both.stdout.contains(&format!("a0/{t}")),
                "{cmd}: {}",
                both.stdout
            );
        }
        let typo = mig_in(
            &dir,
            &["fleet", cmd, "-f", "fleet.toml", "--only", "a0/t01"],
        );
        typo.fails(
            2,
            &format!("fleet {cmd} failed: --only names unknown target \"a0/t01\""),
        );
        assert_eq!(typo.stderr.lines().count(), 1, "{}", typo.stderr);
    }
    let created: Vec<_> = std::fs::read_dir(dir.join("a0"))
        .expect("home")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("tenants-"))
        .collect();
    assert!(
        created.is_empty(),
        "a report created new files: {created:?}"
    );
}
