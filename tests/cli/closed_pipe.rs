//! `mig … 2>&1 | head -1`: a reader that goes away closes mig's stdout and
//! stderr. Every command must end quietly — exit 0 when it succeeded (the
//! reader took what it wanted), its own code when it failed — never panic
//! (101). Each run here writes into a real pipe whose reading end is closed
//! before mig writes anything.

use std::path::Path;
use std::process::{Command, Stdio};

use super::harness::{Project, FAILED, USAGE};
use crate::support::tenant_site::tenant_site;

/// Which of mig's outputs goes to a pipe whose reader is gone.
#[derive(Clone, Copy, Debug)]
enum Closed {
    /// Both (`mig … 2>&1 | head -1` once head has left).
    Both,
    /// Only stderr; stdout is read to its end.
    Stderr,
}

/// Runs `mig args` in `dir` with `closed` on a pipe whose reading end is
/// closed before mig starts; its exit code (-1: killed by a signal).
fn into_closed_pipe(dir: &Path, args: &[&str], closed: Closed) -> i32 {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mig"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("MIG_CA")
        .env_remove("MIG_CERT")
        .env_remove("MIG_KEY")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null());
    match closed {
        Closed::Both => cmd
            .stdout(writer.try_clone().expect("clone pipe"))
            .stderr(writer),
        Closed::Stderr => cmd.stdout(Stdio::piped()).stderr(writer),
    };
    let out = cmd.output().expect("run mig");
    out.status.code().unwrap_or(-1)
}

#[test]
fn every_kind_of_command_ends_quietly_on_a_closed_stdout_or_stderr() {
    let (tmp, _agent) = tenant_site(&["t000", "t001"]);
    let fleet = tmp.path();
    let text = std::fs::read_to_string(fleet.join("fleet.toml")).expect("fleet.toml");
    std::fs::write(
        fleet.join("blocked.toml"),
        format!("{text}\n[[target]]\nname = \"typo\"\nagent = \"https://localhost:1\"\ndatabase = \"t00\"\nca = \"a0/certs/ca.pem\"\n"),
    )
    .expect("blocked.toml");
    let shop = Project::shop(200);
    // Stdout gone: the reader took what it wanted (exit 0, see
    // `usage::a_reader_that_stops_early_…`); only stderr gone: the
    // command's own code, its failure line lost — never a panic (101).
    let cases: [(&Path, &[&str], Closed, i32); 10] = [
        (
            fleet,
            &["fleet", "plan", "-f", "fleet.toml"],
            Closed::Both,
            0,
        ),
        // The plan's own verdict: exit 0 here before the fix.
        (
            fleet,
            &["fleet", "plan", "-f", "blocked.toml"],
            Closed::Both,
            FAILED,
        ),
        (
            fleet,
            &["fleet", "plan", "-f", "blocked.toml"],
            Closed::Stderr,
            FAILED,
        ),
        (
            fleet,
            &["fleet", "status", "-f", "fleet.toml"],
            Closed::Both,
            0,
        ),
        (
            fleet,
            &["fleet", "status", "-f", "fleet.toml", "--json"],
            Closed::Both,
            0,
        ),
        (
            fleet,
            &["fleet", "rollout", "-f", "nope.toml", "--yes"],
            Closed::Stderr,
            USAGE,
        ),
        (
            &shop.dir,
            &[
                "plan",
                "--old",
                "old.db",
                "--new",
                "new.db",
                "--schema",
                "schema.sql",
            ],
            Closed::Both,
            0,
        ),
        (
            &shop.dir,
            &["cutover", "--old", "old.db", "--new", "new.db"],
            Closed::Stderr,
            FAILED,
        ),
        (&shop.dir, &["--help"], Closed::Both, 0),
        (
            &shop.dir,
            &["migrate", "--no-such-flag"],
            Closed::Stderr,
            USAGE,
        ),
    ];
    for (dir, args, closed, code) in cases {
        let got = into_closed_pipe(dir, args, closed);
        assert_eq!(got, code, "mig {} with {closed:?} closed", args.join(" "));
    }
}

/// The operator's own line, through a real `head -1` (the shell's pipe):
/// whichever write meets the closed pipe first, mig ends with the plan's
/// verdict (1), never 0 or 101. Run a few times: the race differs.
#[test]
fn fleet_plan_piped_into_head_ends_with_its_verdict() {
    let (tmp, _agent) = tenant_site(&["t000", "t001"]);
    let dir = tmp.path();
    let text = std::fs::read_to_string(dir.join("fleet.toml")).expect("fleet.toml");
    std::fs::write(
        dir.join("blocked.toml"),
        format!("{text}\n[[target]]\nname = \"typo\"\nagent = \"https://localhost:1\"\ndatabase = \"t00\"\nca = \"a0/certs/ca.pem\"\n"),
    )
    .expect("blocked.toml");
    let mig = env!("CARGO_BIN_EXE_mig");
    for _ in 0..5 {
        let out = Command::new("bash")
            .args([
                "-c",
                &format!("'{mig}' fleet plan -f blocked.toml 2>&1 | head -1 >/dev/null; echo ${{PIPESTATUS[0]}}"),
            ])
            .current_dir(dir)
            .env("RUST_BACKTRACE", "0")
            .output()
            .expect("bash");
        let code = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert_eq!(code, "1", "{out:?}");
    }
}
