//! Nothing secret leaves the agent or the client: a runbook through a real
//! agent, with rows holding a sentinel in columns that are not keys, and
//! the refusals an operator meets (a key that is not the certificate's, a
//! viewer trying to migrate, a file that is not a key): no output, `--json`
//! or agent log line holds the sentinel, a private key's material or a PEM
//! private-key block. Key *paths* may be named (they say what to fix).

use std::path::Path;

use crate::cli::harness::{mig_in, Run, USAGE};
use crate::support::agent::TestAgent;
use crate::support::fixture;

const SENTINEL: &str = "s3cr3t-sentinel";

fn as_who(agent: &TestAgent, who: &str, key_of: &str) -> Vec<String> {
    let certs = agent.certs.display().to_string();
    vec![
        "--agent".into(),
        agent.url(),
        "--ca".into(),
        format!("{certs}/ca.pem"),
        "--cert".into(),
        format!("{certs}/{who}.pem"),
        "--key".into(),
        format!("{certs}/{key_of}-key.pem"),
        "--database".into(),
        "shop".into(),
    ]
}

fn run(dir: &Path, base: &[String], args: &[&str]) -> Run {
    let mut all: Vec<&str> = base.iter().map(String::as_str).collect();
    all.extend_from_slice(args);
    mig_in(dir, &all)
}

/// A line of the key's base64 body (any line holds 48 bytes of it).
fn key_body(path: &Path) -> String {
    let pem = std::fs::read_to_string(path).expect("key");
    let line = pem.lines().nth(1).expect("a PEM body line");
    assert!(line.len() > 20, "{line}");
    line.to_string()
}

#[test]
fn no_output_json_or_log_line_holds_row_values_or_key_material() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let (old, new) = (dir.join("old.db"), dir.join("new.db"));
    let conn = fixture::create_old(&old, 30);
    conn.execute_batch(&format!(
        "UPDATE Customer SET Email = '{SENTINEL}-' || CustomerId || '@example.com';
         UPDATE Orders SET Note = '{SENTINEL} note ' || OrderId;"
    ))
    .expect("sentinels");
    drop(conn);
    std::fs::write(dir.join("schema.sql"), fixture::NEW_SCHEMA).expect("schema");
    let agent = TestAgent::start(dir, &[("shop", &old, &new)]);
    let (op, viewer) = (
        as_who(&agent, "operator", "operator"),
        as_who(&agent, "viewer", "viewer"),
    );
    let mut runs = vec![
        run(dir, &viewer, &["plan", "--schema", "schema.sql"]).ok(),
        run(dir, &op, &["--json", "plan", "--schema", "schema.sql"]).ok(),
        run(dir, &viewer, &["migrate", "--schema", "schema.sql"]),
        run(dir, &op, &["migrate", "--schema", "schema.sql"]).ok(),
        run(dir, &op, &["--json", "status"]).ok(),
        run(dir, &op, &["drain"]).ok(),
        run(dir, &op, &["cutover"]).ok(),
        run(dir, &op, &["--json", "status"]).ok(),
        // The operator's certificate with the viewer's key.
        run(dir, &as_who(&agent, "operator", "viewer"), &["status"]),
    ];
    let not_a_key = dir.join("not-a-key.pem");
    std::fs::write(&not_a_key, format!("{SENTINEL}\n")).expect("write");
    let mut bad_key = op.clone();
    bad_key[7] = not_a_key.display().to_string();
    let refused = run(dir, &bad_key, &["status"]);
    let line = refused.fails(USAGE, "status failed: --key ").to_string();
    assert!(
        line.contains(&*not_a_key.display().to_string())
            && line.contains("does not hold a PEM private key; pass the key file made with --cert"),
        "the refusal names the key file and the fix: {line}"
    );
    runs.push(refused);
    assert!(runs[2].code != 0 && runs[8].code != 0, "{runs:#?}");

    let log = agent.log();
    assert!(log.contains("migrate"), "the agent logged nothing: {log}");
    let bodies = [
        key_body(&agent.certs.join("operator-key.pem")),
        key_body(&agent.certs.join("viewer-key.pem")),
        key_body(&agent.certs.join("agent-key.pem")),
    ];
    let texts = runs
        .iter()
        .flat_map(|r| [r.stdout.as_str(), r.stderr.as_str()])
        .chain([log.as_str()]);
    for text in texts {
        assert!(!text.contains(SENTINEL), "a row value leaked: {text}");
        assert!(!text.contains("PRIVATE KEY"), "a key leaked: {text}");
        for body in &bodies {
            assert!(!text.contains(body.as_str()), "key material leaked: {text}");
        }
    }
}
