//! A value of the wrong type, or a key written twice, in `agent.toml` or
//! the fleet file. Found by a new user's Mailman run (docs/reliability.md):
//! `busy_timeout_ms = "5s"` stopped the agent with `agent.toml: invalid
//! type: string "5s", expected u64`, and a second `old =` with `duplicate
//! key`, naming neither the key nor the line. Now the one line names both.

use std::path::Path;
use std::process::Command;

use super::bad_input::snapshot_beside_readers;
use super::harness::{mig_in, USAGE};

const AGENT_TOML: &str = "listen = \"127.0.0.1:0\"
[tls]
cert = \"agent.pem\"
key = \"agent-key.pem\"
client_ca = \"ca.pem\"
[access]
operators = [\"alice\"]
[[database]]
name = \"lists\"
old = \"mailman.db\"
new = \"mailman-v2.db\"
";

/// Runs the real agent on `text` written as `agent.toml`; returns its exit
/// code and stderr, and checks it left the folder as it was.
fn agent_refuses(dir: &Path, text: &str) -> (Option<i32>, String) {
    std::fs::write(dir.join("agent.toml"), text).expect("agent.toml");
    let before = snapshot_beside_readers(dir);
    let out = Command::new(env!("CARGO_BIN_EXE_mig-agent"))
        .arg("--config")
        .arg(dir.join("agent.toml"))
        .output()
        .expect("mig-agent runs");
    assert_eq!(
        snapshot_beside_readers(dir),
        before,
        "the agent changed a file"
    );
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn one_line(stderr: &str) -> &str {
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one stderr line: {stderr}");
    lines[0]
}

#[test]
fn agent_toml_with_a_value_of_the_wrong_type_names_its_line_and_key() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = format!("{AGENT_TOML}busy_timeout_ms = \"5s\"\n");
    let (code, stderr) = agent_refuses(tmp.path(), &text);
    assert_ne!(code, Some(0), "{stderr}");
    let line = one_line(&stderr);
    assert!(
        line.contains(
            "line 12 (busy_timeout_ms = \"5s\"): invalid type: string \"5s\", expected u64"
        ),
        "{line}"
    );
}

#[test]
fn agent_toml_with_a_key_written_twice_names_the_second() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = format!("{AGENT_TOML}old = \"lists.db\"\n");
    let (code, stderr) = agent_refuses(tmp.path(), &text);
    assert_ne!(code, Some(0), "{stderr}");
    let line = one_line(&stderr);
    assert!(
        line.contains("line 12 (old = \"lists.db\"): duplicate key"),
        "{line}"
    );
}

#[test]
fn fleet_file_with_a_value_of_the_wrong_type_names_its_line_and_key() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::write(
        dir.join("fleet.toml"),
        "[[target]]\nname = \"lists\"\nagent = \"https://localhost:7443\"\ndatabase = \"lists\"\nwave = \"2\"\n",
    )
    .expect("fleet.toml");
    let before = snapshot_beside_readers(dir);
    let run = mig_in(dir, &["fleet", "plan"]);
    let line = run.fails(USAGE, "fleet plan failed: fleet file");
    assert!(
        line.contains("line 5 (wave = \"2\"): invalid type: string \"2\""),
        "{line}"
    );
    assert_eq!(
        snapshot_beside_readers(dir),
        before,
        "fleet plan changed a file"
    );
}

/// `new` naming the old database (its own, or another entry's), or two
/// entries building into one file. Found by the Home Assistant run: the
/// agent started and served such a database, and `plan` then advised
/// "pass a different --new", which a client of an agent cannot pass.
#[test]
fn agent_toml_whose_new_is_an_old_database_or_another_entrys_new_is_refused_at_start() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let second = |old: &str, new: &str| {
        format!("{AGENT_TOML}[[database]]\nname = \"b\"\nold = \"{old}\"\nnew = \"{new}\"\n")
    };
    let cases = [
        (
            AGENT_TOML.replace("mailman-v2.db", "mailman.db"),
            "database \"lists\": new names its own old database",
        ),
        (
            second("b.db", "mailman.db"),
            "database \"b\": new names the old database of database \"lists\"",
        ),
        (
            second("b.db", "mailman-v2.db"),
            "database \"b\": new names the new database of database \"lists\"",
        ),
    ];
    for (text, want) in cases {
        let (code, stderr) = agent_refuses(tmp.path(), &text);
        assert_ne!(code, Some(0), "{stderr}");
        let line = one_line(&stderr);
        assert!(
            line.contains(want) && line.contains("point `new` at a file of its own"),
            "{line}"
        );
    }
}
