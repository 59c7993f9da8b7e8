//! Hooks: executables in a folder run at the named points of a migration,
//! with the database, migration id, phase, rows and outcome in `MIG_*`
//! variables and as JSON on stdin; a failing `on-before-cutover` refuses
//! the cutover. Locally (`--hooks DIR`) and on a real agent (`[hooks]`).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::harness::{Project, FAILED};
use crate::support::agent::{Setup, TestAgent};

const POINTS: [&str; 8] = [
    "on-start",
    "on-copy-complete",
    "on-ready-to-drain",
    "on-before-cutover",
    "on-cutover",
    "on-success",
    "on-failure",
    "on-status",
];

/// A hook that appends one line to `hooks.log` and keeps its stdin.
fn write_hook(dir: &Path, name: &str, tail: &str) {
    let log = dir.join("hooks.log");
    let script = format!(
        "#!/bin/sh\necho \"$MIG_HOOK|$MIG_DATABASE|$MIG_MIGRATION_ID|$MIG_PHASE|$MIG_OUTCOME|$MIG_ROWS_DONE|$MIG_ROWS_TOTAL\" >> '{}'\ncat > '{}'\n{tail}\n",
        log.display(),
        dir.join(format!("{name}.json")).display()
    );
    let path = dir.join(name);
    std::fs::write(&path, script).expect("hook");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn hooks_dir(p: &Project) -> std::path::PathBuf {
    let dir = p.path("hooks");
    std::fs::create_dir_all(&dir).expect("hooks dir");
    for point in POINTS {
        write_hook(&dir, point, "");
    }
    dir
}

/// The log's lines, split into fields.
fn fired(dir: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(dir.join("hooks.log"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('|').map(str::to_string).collect())
        .collect()
}

#[test]
fn a_refusing_before_cutover_hook_blocks_the_cutover_and_each_point_fires_once_in_order() {
    let p = Project::shop(200);
    let dir = hooks_dir(&p);
    write_hook(
        &dir,
        "on-before-cutover",
        "echo 'change CHG-7 is not approved' >&2\nexit 3",
    );
    let args = ["--old", "old.db", "--new", "new.db", "--hooks", "hooks"];
    p.mig(&[&args[..], &["migrate"]].concat()).ok();
    p.mig(&[&args[..], &["drain"]].concat()).ok();
    let refused = p.mig(&[&args[..], &["cutover"]].concat());
    let line = refused.fails(FAILED, "cutover failed: cutover refused: hook on-before-cutover exited 3: change CHG-7 is not approved; nothing changed");
    assert!(line.contains("hooks/on-before-cutover"), "{line}");
    p.mig(&[&args[..], &["status"]].concat())
        .ok()
        .line_starting("phase: drained");

    write_hook(&dir, "on-before-cutover", "exit 0");
    p.mig(&[&args[..], &["cutover"]].concat()).ok();
    let log = fired(&dir);
    let names: Vec<&str> = log.iter().map(|f| f[0].as_str()).collect();
    assert_eq!(
        names,
        [
            "on-start",
            "on-copy-complete",
            "on-ready-to-drain",
            "on-before-cutover", // refused
            "on-before-cutover",
            "on-cutover",
            "on-success"
        ]
    );
    let id = &log[0][2];
    assert_eq!(id.len(), 16, "a migration id: {log:?}");
    for f in &log {
        assert_eq!((f[1].as_str(), &f[2]), ("local", id), "{f:?}");
    }
    assert_eq!(log[2][4], "completed");
    assert_eq!(log[6][3], "cut over");
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("on-ready-to-drain.json")).expect("stdin kept"),
    )
    .expect("JSON on stdin");
    assert_eq!(json["migration_id"], id.as_str());
    assert_eq!(json["database"], "local");
    assert_eq!(json["outcome"], "completed");
    assert!(
        json["rows_done"].is_u64() && json["eta_seconds"].is_null()
            || json["eta_seconds"].is_number(),
        "{json}"
    );
}

/// The two ways an operator's hook fails to start: no execute bit, no `#!`
/// line. Each refuses the cutover with the fix, and changes no file.
#[test]
fn an_on_before_cutover_hook_that_cannot_start_refuses_the_cutover_saying_why() {
    let p = Project::shop(50);
    let dir = p.path("hooks");
    std::fs::create_dir_all(&dir).expect("hooks dir");
    let args = ["--old", "old.db", "--new", "new.db", "--hooks", "hooks"];
    p.mig(&[&args[..], &["migrate"]].concat()).ok();
    p.mig(&[&args[..], &["drain"]].concat()).ok();
    let hook = dir.join("on-before-cutover");
    let cases = [
        (
            "#!/bin/sh\nexit 0\n",
            0o644,
            "it is not executable (`chmod +x` it)",
        ),
        (
            "exit 0\n",
            0o755,
            "it is not a program the system can run (a script needs a `#!` first line)",
        ),
    ];
    for (script, mode, why) in cases {
        std::fs::write(&hook, script).expect("hook");
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(mode)).expect("chmod");
        let before = super::bad_input::snapshot(&p.dir);
        let line = p
            .mig(&[&args[..], &["cutover"]].concat())
            .fails(
                FAILED,
                "cutover failed: cutover refused: hook on-before-cutover could not start",
            )
            .to_string();
        assert!(line.contains(why), "no `{why}` in: {line}");
        assert_eq!(super::bad_input::snapshot(&p.dir), before, "{line}");
    }
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::write(&hook, "#!/bin/sh\nexit 0\n").expect("hook");
    p.mig(&[&args[..], &["cutover"]].concat()).ok();
}

#[test]
fn a_failed_migrate_fires_on_failure_with_the_reason() {
    let p = Project::shop(20);
    let dir = hooks_dir(&p);
    // Tag is dropped: data loss, refused without --accept-data-loss.
    let schema = crate::support::fixture::NEW_SCHEMA;
    let cut = schema.find("-- mig:from Tag").expect("tag table");
    p.write("schema.sql", &schema[..cut]);
    let run = p.mig(&[
        "--old", "old.db", "--new", "new.db", "--hooks", "hooks", "migrate",
    ]);
    run.fails(FAILED, "migrate failed: ");
    let log = fired(&dir);
    let last = log.last().expect("a hook ran");
    assert_eq!(
        (last[0].as_str(), last[4].as_str()),
        ("on-failure", "failed"),
        "{log:?}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("on-failure.json")).expect("stdin kept"),
    )
    .expect("JSON");
    assert!(
        json["message"].as_str().is_some_and(|m| m.contains("Tag")),
        "{json}"
    );
}

#[test]
fn on_status_reports_rows_while_an_agent_copies() {
    let p = Project::shop(1000);
    let dir = hooks_dir(&p);
    let setup = Setup {
        extra: format!(
            "\n[hooks]\ndir = {:?}\ntimeout_ms = 5000\nstatus_interval_s = 1\n",
            dir
        ),
        ..Setup::default()
    };
    let agent = TestAgent::start_with(
        &p.dir,
        &[("shop", &p.path("old.db"), &p.path("new.db"))],
        setup,
    );
    let certs = agent.certs.display().to_string();
    let url = format!("https://{}", agent.addr);
    let ca = format!("{certs}/ca.pem");
    let (cert, key) = (
        format!("{certs}/operator.pem"),
        format!("{certs}/operator-key.pem"),
    );
    let remote = ["--agent", &url, "--ca", &ca, "--cert", &cert, "--key", &key];
    p.mig(&[&remote[..], &["migrate", "--max-rows-per-sec", "1500"]].concat())
        .ok();
    let log = fired(&dir);
    let status: Vec<&Vec<String>> = log.iter().filter(|f| f[0] == "on-status").collect();
    assert!(
        !status.is_empty(),
        "no on-status while copying for seconds: {log:?}"
    );
    for f in &status {
        let (done, total): (u64, u64) = (f[5].parse().expect("rows"), f[6].parse().expect("total"));
        assert!(done > 0 && done <= total, "{f:?}");
        assert_eq!(f[1], "shop");
    }
    let names: Vec<&str> = log
        .iter()
        .map(|f| f[0].as_str())
        .filter(|n| *n != "on-status")
        .collect();
    assert_eq!(names, ["on-start", "on-copy-complete", "on-ready-to-drain"]);
}
