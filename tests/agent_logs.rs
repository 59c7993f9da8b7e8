//! The agent's log as a log pipeline reads it (stderr into a file): no ANSI
//! escapes, and with `--log-format json` one JSON object per line whose
//! fields are JSON values, with one `mig::audit` line per mutating call
//! (caller, database, migration id, outcome).

use crate::cli::harness::Project;
use crate::support::agent::{Setup, TestAgent};

fn remote(agent: &TestAgent, who: &str) -> Vec<String> {
    let certs = agent.certs.display().to_string();
    vec![
        "--agent".into(),
        format!("https://{}", agent.addr),
        "--ca".into(),
        format!("{certs}/ca.pem"),
        "--cert".into(),
        format!("{certs}/{who}.pem"),
        "--key".into(),
        format!("{certs}/{who}-key.pem"),
    ]
}

fn run(p: &Project, base: &[String], args: &[&str]) -> crate::cli::harness::Run {
    let mut all: Vec<&str> = base.iter().map(String::as_str).collect();
    all.extend_from_slice(args);
    p.mig(&all)
}

#[test]
fn json_logs_carry_json_values_and_one_audit_line_per_mutating_call() {
    let p = Project::shop(50);
    let setup = Setup {
        json_log: true,
        ..Setup::default()
    };
    let mut agent = TestAgent::start_with(
        &p.dir,
        &[("shop", &p.path("old.db"), &p.path("new.db"))],
        setup,
    );
    let op = remote(&agent, "operator");
    run(&p, &op, &["migrate"]).ok();
    run(&p, &op, &["status"]).ok();
    run(&p, &remote(&agent, "viewer"), &["drain"]).fails(1, "drain failed: ");
    run(&p, &op, &["drain"]).ok();
    agent.terminate();
    let log = agent.log();
    assert!(!log.contains('\u{1b}'), "ANSI escapes in a log file");
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    let listening = lines
        .iter()
        .find(|l| l["message"] == "listening")
        .expect("the listening line");
    assert_eq!(
        listening["fields"]["databases"],
        serde_json::json!(["shop"])
    );
    let ended = lines
        .iter()
        .find(|l| l["message"] == "job ended")
        .expect("a job ended line");
    assert_eq!(ended["fields"]["outcome"], "completed");
    let audit: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["target"] == "mig::audit")
        .collect();
    let calls: Vec<(&str, &str, &str)> = audit
        .iter()
        .map(|l| {
            let f = &l["fields"];
            (
                f["rpc"].as_str().expect("rpc"),
                f["caller"].as_str().expect("caller"),
                f["outcome"].as_str().expect("outcome"),
            )
        })
        .collect();
    assert_eq!(
        calls,
        [
            ("Migrate", "operator", "OK"),
            ("Drain", "viewer", "PERMISSION_DENIED"),
            ("Drain", "operator", "OK")
        ]
    );
    for l in &audit {
        let f = &l["fields"];
        assert_eq!(f["database"], "shop");
        assert!(
            f["migration_id"].as_str().is_some_and(|id| id.len() == 16),
            "{l}"
        );
    }
}

#[test]
fn text_logs_written_to_a_file_have_no_ansi_escapes() {
    let p = Project::shop(20);
    let agent = TestAgent::start(&p.dir, &[("shop", &p.path("old.db"), &p.path("new.db"))]);
    run(&p, &remote(&agent, "operator"), &["migrate"]).ok();
    let log = agent.log();
    assert!(log.contains("mig::audit"), "{log}");
    assert!(
        !log.contains('\u{1b}'),
        "ANSI escapes in a log file:\n{log}"
    );
}

/// A revert window that ends by itself is closed by the agent, and the
/// operator finds that in the log: the way back is gone at that moment,
/// with no command anyone ran to show for it.
#[test]
fn a_revert_window_closed_at_its_end_is_one_log_line_naming_the_database() {
    let p = Project::empty("shop");
    crate::support::revert_case::create_old(&p.path("old.db"));
    p.write("schema.sql", crate::support::revert_case::SCHEMA);
    let setup = Setup {
        json_log: true,
        ..Setup::default()
    };
    let mut agent = TestAgent::start_with(
        &p.dir,
        &[("shop", &p.path("old.db"), &p.path("new.db"))],
        setup,
    );
    let op = remote(&agent, "operator");
    run(&p, &op, &["migrate", "--accept-data-loss"]).ok();
    run(&p, &op, &["drain"]).ok();
    run(&p, &op, &["cutover", "--revert-window", "1s"]).ok();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !run(&p, &op, &["status"])
        .ok()
        .stdout
        .contains("revert window: closed by window end")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the agent did not close the window"
        );
    }
    // The agent logs the closing right after its commit, which status can
    // see first: wait for the line itself.
    while !agent.log().contains("revert window closed at its end") {
        assert!(
            std::time::Instant::now() < deadline,
            "no log line for the closed window"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    agent.terminate();
    let closed: Vec<serde_json::Value> = agent
        .log()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| {
            l["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("revert window closed at its end"))
        })
        .collect();
    assert_eq!(closed.len(), 1, "{closed:?}");
    assert_eq!(closed[0]["fields"]["database"], "shop");
    assert_eq!(closed[0]["fields"]["writes_not_carried_back"], 0);
}
