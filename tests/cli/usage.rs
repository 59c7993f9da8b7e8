//! Flag and mode errors (exit 2) and an unreachable agent (exit 3): checked
//! before any database is touched, one line each.

use std::net::TcpListener;

use super::harness::{Project, UNAVAILABLE, USAGE};

#[test]
fn paths_with_an_agent_are_a_usage_error() {
    let p = Project::empty("shop");
    let run = p.mig(&["--agent", "http://127.0.0.1:9", "status", "--old", "a.db"]);
    assert_eq!(
        run.fails(USAGE, "status failed: "),
        "status failed: --old names a local file, but with --agent the agent uses the paths in its agent.toml: drop --old and pass --database NAME"
    );
    // The operator who named the database is told only what to drop.
    let run = p.mig(&[
        "--agent",
        "http://127.0.0.1:9",
        "--database",
        "shop",
        "revert",
        "--old",
        "a.db",
    ]);
    assert_eq!(
        run.fails(USAGE, "revert failed: "),
        "revert failed: --old names a local file, but with --agent the agent uses the paths of database shop in its agent.toml: drop --old"
    );
}

#[test]
fn detach_and_job_control_need_an_agent() {
    let p = Project::shop(5);
    p.mig(&["migrate", "--detach"])
        .fails(USAGE, "migrate failed: --detach needs --agent");
    p.mig(&["drain", "--detach"])
        .fails(USAGE, "drain failed: --detach needs --agent");
    p.mig(&["watch"])
        .fails(USAGE, "watch failed: watch needs --agent");
    p.mig(&["pause"])
        .fails(USAGE, "pause failed: pause needs --agent");
}

#[test]
fn bad_flag_values_are_usage_errors() {
    let p = Project::empty("shop");
    assert_eq!(p.mig(&["drain", "--on-timeout", "never"]).code, USAGE);
    assert_eq!(p.mig(&["frobnicate"]).code, USAGE);
}

#[test]
fn https_agent_without_ca_is_a_usage_error() {
    let p = Project::empty("shop");
    p.mig(&["--agent", "https://127.0.0.1:9", "status"])
        .fails(USAGE, "status failed: an https agent needs --ca FILE");
}

/// Found by a new user's Mailman run (docs/reliability.md): `--agent
/// https://localhost` (the port left out) got "connection refused" alone.
#[test]
fn an_agent_url_without_a_port_says_which_port_was_tried_and_to_add_it() {
    let p = Project::empty("shop");
    let run = p.mig(&["--agent", "http://127.0.0.1", "status"]);
    let line = run.fails(
        UNAVAILABLE,
        "status failed: cannot reach the agent at http://127.0.0.1",
    );
    assert!(
        line.ends_with("the URL names no port, so the scheme's default (443 or 80) was tried: add the port the agent listens on (`listen` in its agent.toml; mig-agent prints it at start)"),
        "{line}"
    );
}

#[test]
fn unreachable_agent_exits_3() {
    // A port that was free a moment ago: nothing listens there now.
    let addr = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let p = Project::empty("shop");
    let url = format!("http://{addr}");
    let run = p.mig(&["--agent", &url, "status"]);
    let line = run.fails(
        UNAVAILABLE,
        "status failed: cannot reach the agent at http://",
    );
    // Each transport wrapper once, not "tcp connect error: tcp connect error".
    let segments: Vec<&str> = line.split(": ").collect();
    assert!(
        segments.windows(2).all(|w| w[0] != w[1]),
        "a repeated segment in: {line}"
    );
}

#[test]
fn help_documents_the_exit_codes() {
    let p = Project::empty("shop");
    let run = p.mig(&["--help"]).ok();
    assert!(run.stdout.contains("Exit codes:"), "{}", run.stdout);
    assert!(run.stdout.contains("6  aborted"), "{}", run.stdout);
}

#[test]
fn an_invalid_flag_value_points_at_the_help_of_its_own_subcommand() {
    let p = Project::empty("shop");
    let line = p
        .mig(&["plan", "--old", "a.db", "--sample", "200%"])
        .fails(USAGE, "mig: invalid value '200%' for '--sample <PERCENT>'")
        .to_string();
    assert!(line.ends_with("; see `mig plan --help`"), "{line}");
    let line = p
        .mig(&[
            "--agent",
            "http://127.0.0.1:9",
            "throttle",
            "--rows-per-sec",
            "0",
        ])
        .fails(USAGE, "mig: invalid value '0'")
        .to_string();
    assert!(line.ends_with("; see `mig throttle --help`"), "{line}");
    let line = p
        .mig(&["fleet", "rollout", "-f", "fleet.toml", "--concurrency", "x"])
        .fails(USAGE, "mig: invalid value 'x'")
        .to_string();
    assert!(line.ends_with("; see `mig fleet rollout --help`"), "{line}");
}

#[test]
fn a_reader_that_stops_early_is_not_reported_as_a_failed_command() {
    // `mig status | head -1`: the pipe's reader is gone before mig writes.
    let p = Project::shop(5);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mig"))
        .args(["status", "--old", "old.db", "--new", "new.db"])
        .current_dir(&p.dir)
        .env_remove("MIG_CA")
        .env_remove("MIG_CERT")
        .env_remove("MIG_KEY")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn mig");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("failed"),
        "a closed stdout was reported as a failure: {stderr}"
    );
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}
