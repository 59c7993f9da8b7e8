//! Starting a real `mig-agent` for a bench: the `agent.toml` already written
//! in `home`, JSON logs kept in `home/agent.log`, the port read from the
//! agent's first stdout line (it listens on `127.0.0.1:0`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// The running agent and the port it listens on.
pub fn agent(home: &Path) -> (Child, u16) {
    let log = std::fs::File::create(home.join("agent.log")).expect("creating agent.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mig-agent"))
        .arg("--config")
        .arg(home.join("agent.toml"))
        .args(["--log-format", "json"])
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("spawning mig-agent");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("agent stdout");
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("reading the agent's first line");
    let port = line
        .trim()
        .strip_prefix("mig-agent listening on ")
        .and_then(|a| a.rsplit(':').next())
        .and_then(|p| p.parse().ok());
    let Some(port) = port else {
        let _ = child.kill();
        panic!("unexpected first line from mig-agent: {line:?}");
    };
    (child, port)
}
