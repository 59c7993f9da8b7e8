//! Ctrl-C during `mig migrate`. Locally the client cancels the job, waits
//! for it to stop at a chunk boundary and exits 5; with a remote agent it
//! detaches, exits 5 and the job runs on. The job is held on the service's
//! write lock so the interrupt lands while it runs, with no timing guesses.

use std::io::{BufRead, BufReader, Lines};
use std::process::{Child, ChildStdout, Command, Stdio};

use super::agent::TestAgent;
use super::harness::Project;
use super::remote::database;

/// Starts `mig args...` in the project with piped output.
fn spawn(p: &Project, args: &[&str]) -> (Child, Lines<BufReader<ChildStdout>>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mig"))
        .args(args)
        .current_dir(&p.dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mig");
    let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    (child, lines)
}

/// Reads stdout up to the first line starting with `prefix`.
fn wait_for(lines: &mut Lines<BufReader<ChildStdout>>, prefix: &str) -> String {
    loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("mig ended before printing `{prefix}`"))
            .expect("read stdout");
        if line.starts_with(prefix) {
            return line;
        }
    }
}

fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(status.success());
}

/// Waits for exit; returns the code and the single stderr line.
fn finish(child: Child) -> (Option<i32>, String) {
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    (out.status.code(), stderr.trim_end().to_string())
}

#[test]
fn ctrl_c_cancels_the_local_job_and_exits_5() {
    let p = Project::shop(50);
    let service = rusqlite::Connection::open(p.path("old.db")).expect("open");
    service.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let (child, mut lines) = spawn(&p, &["migrate", "--old", "old.db", "--new", "new.db"]);
    // The job has started; recording needs the lock the service holds.
    wait_for(&mut lines, "[create]");
    interrupt(&child);
    wait_for(&mut lines, "interrupted: cancelling job");
    service.execute_batch("ROLLBACK").expect("unlock");
    let (code, stderr) = finish(child);
    assert_eq!(code, Some(5), "{stderr}");
    assert!(stderr.starts_with("migrate failed: cancelled"), "{stderr}");
    p.mig(&["status", "--old", "old.db", "--new", "new.db"])
        .ok()
        .has_line("copy: not complete");
}

#[test]
fn ctrl_c_with_a_remote_agent_detaches_and_the_job_runs_on() {
    let p = Project::shop(50);
    let agent = TestAgent::plain(vec![database("shop", &p)]);
    let service = rusqlite::Connection::open(p.path("old.db")).expect("open");
    service.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let (child, mut lines) = spawn(&p, &["--agent", &agent.url, "migrate"]);
    wait_for(&mut lines, "[create]");
    interrupt(&child);
    let (code, stderr) = finish(child);
    assert_eq!(code, Some(5), "{stderr}");
    assert!(
        stderr.starts_with(
            "migrate failed: interrupted: the job keeps running on the agent; re-attach with `mig watch --database shop --job migrate-"
        ),
        "{stderr}"
    );
    service.execute_batch("ROLLBACK").expect("unlock");
    p.mig(&["--agent", &agent.url, "watch"])
        .ok()
        .line_starting("copied ");
}
