//! The `mig` binary against a real `mig-agent` process over mutual TLS
//! (certificates generated per run), and `mig certs init`.

use crate::support::agent::TestAgent;

use super::harness::{Project, FAILED, USAGE};

/// Runs `mig` in `dir` against `agent` as an operator, on `database`.
pub(crate) fn operator_on(
    agent: &TestAgent,
    database: &str,
    dir: std::path::PathBuf,
) -> impl Fn(&[&str]) -> super::harness::Run {
    let operator = as_who_on(agent, "operator", database);
    move |args: &[&str]| {
        let mut all: Vec<&str> = operator.iter().map(String::as_str).collect();
        all.extend_from_slice(args);
        super::harness::mig_in(&dir, &all)
    }
}

/// Runs `mig … cmd` in `dir` against `agent` as `who`, on `database`.
pub(crate) fn mig_as(
    dir: &std::path::Path,
    agent: &TestAgent,
    (who, database): (&str, &str),
    cmd: &[&str],
) -> super::harness::Run {
    let mut all = as_who_on(agent, who, database);
    all.extend(cmd.iter().map(|s| s.to_string()));
    super::harness::mig_in(dir, &all.iter().map(String::as_str).collect::<Vec<_>>())
}

/// [`as_who`] and `--database database`.
fn as_who_on(agent: &TestAgent, who: &str, database: &str) -> Vec<String> {
    let mut v = as_who(agent, who);
    v.extend(["--database".to_string(), database.to_string()]);
    v
}

/// `mig --agent https://127.0.0.1:PORT --ca --cert --key` as `who`.
pub(crate) fn as_who(agent: &TestAgent, who: &str) -> Vec<String> {
    let certs = agent.certs.display().to_string();
    let mut v = vec![
        "--agent".to_string(),
        format!("https://{}", agent.addr),
        "--ca".into(),
        format!("{certs}/ca.pem"),
    ];
    if !who.is_empty() {
        v.extend([
            "--cert".into(),
            format!("{certs}/{who}.pem"),
            "--key".into(),
            format!("{certs}/{who}-key.pem"),
        ]);
    }
    v
}

fn run(p: &Project, base: &[String], args: &[&str]) -> super::harness::Run {
    let mut all: Vec<&str> = base.iter().map(String::as_str).collect();
    all.extend_from_slice(args);
    p.mig(&all)
}

#[test]
fn runbook_against_a_real_agent_with_roles() {
    let p = Project::shop(40);
    let agent = TestAgent::start(&p.dir, &[("shop", &p.path("old.db"), &p.path("new.db"))]);
    let operator = as_who(&agent, "operator");
    let viewer = as_who(&agent, "viewer");
    run(&p, &viewer, &["plan"])
        .ok()
        .has_line("can migrate: yes");
    run(&p, &viewer, &["migrate"]).fails(FAILED, "migrate failed: ");
    run(&p, &operator, &["migrate"])
        .ok()
        .line_starting("copied ");
    run(&p, &viewer, &["status"])
        .ok()
        .has_line("marker status: recording");
    run(&p, &operator, &["drain"])
        .ok()
        .line_starting("drained: replayed ");
    run(&p, &operator, &["cutover"])
        .ok()
        .line_starting("cutover complete: ");
    run(&p, &operator, &["cleanup-old"])
        .ok()
        .has_line("previous marker status: retired");
    run(&p, &as_who(&agent, ""), &["status"]).fails(FAILED, "status failed: ");
}

#[test]
fn certs_init_writes_once_and_refuses_to_overwrite() {
    let p = Project::empty("site");
    let args = [
        "certs",
        "init",
        "certs",
        "--host",
        "127.0.0.1",
        "--client",
        "alice:operator",
    ];
    let run = p.mig(&args).ok();
    run.has_line("wrote certs/ca.pem")
        .has_line("wrote certs/alice-key.pem");
    assert!(p.path("certs/agent.pem").exists());
    p.mig(&args)
        .fails(FAILED, "certs init failed: certs/ca.pem already exists");
    assert_eq!(p.mig(&["certs", "init", "other"]).code, USAGE);
}

#[test]
fn client_killed_mid_migrate_leaves_the_job_running_and_watch_reattaches() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let p = Project::shop(30_000);
    let (old, new) = (p.path("old.db"), p.path("new.db"));
    let agent = TestAgent::start(&p.dir, &[("shop", &old, &new)]);
    let operator = as_who(&agent, "operator");
    let writer = crate::support::writer::Writer::start(old.clone(), 21);
    let mut child = Command::new(env!("CARGO_BIN_EXE_mig"))
        .args(&operator)
        .args(["--json", "migrate"])
        .current_dir(&p.dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn mig");
    let stdout = child.stdout.take().expect("stdout");
    let copying = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|l| l.contains("\"copy\""));
    assert!(copying, "mig printed no copy progress before it ended");
    child.kill().expect("SIGKILL the client");
    child.wait().expect("reap client");

    run(&p, &operator, &["watch"]).ok().line_starting("copied ");
    run(&p, &operator, &["drain"])
        .ok()
        .line_starting("drained: replayed ");
    let stats = writer.stop();
    run(&p, &operator, &["cutover"])
        .ok()
        .line_starting("cutover complete: ");
    let compared = crate::support::oracle::assert_matches(&old, &new);
    assert!(compared > 30_000, "compared {compared} rows");
    assert!(stats.committed > 0, "the writer committed nothing");
}
