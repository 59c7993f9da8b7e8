//! A second gRPC stack, Python grpcio (`tests/support/grpc_probe.py`),
//! calls every service of the mutual-TLS port: without a client certificate
//! none answers; with one, each does (so the probe itself can fail).
//! grpcio comes from the tests' venv (`support::python`, made on demand), or
//! the interpreter in `MIG_TEST_PYTHON`.

use std::path::PathBuf;
use std::process::Command;

use crate::support::agent::TestAgent;
use crate::support::{fixture, python};

/// Every call the probe makes.
const CALLS: [&str; 5] = [
    "health.Check",
    "health.Watch",
    "reflection.v1",
    "reflection.v1alpha",
    "mig.ListDatabases",
];

fn python(test: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MIG_TEST_PYTHON") {
        return Some(PathBuf::from(p));
    }
    python::venv_or_skip(test).map(|v| v.python())
}

/// Each call's (name, code) as the probe printed them.
fn probe(python: &PathBuf, agent: &TestAgent, who: Option<&str>) -> Vec<(String, String)> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/grpc_probe.py");
    let mut cmd = Command::new(python);
    cmd.arg(script)
        .arg(&agent.addr)
        .arg(agent.certs.join("ca.pem"));
    if let Some(who) = who {
        cmd.arg(agent.certs.join(format!("{who}.pem")))
            .arg(agent.certs.join(format!("{who}-key.pem")));
    }
    let out = cmd.output().expect("run the Python probe");
    assert!(
        out.status.success(),
        "the Python probe failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            let answered = v["answered"].as_bool().expect("answered");
            let code = v["code"].as_str().expect("code").to_string();
            assert_eq!(answered, code == "OK", "{l}");
            (v["call"].as_str().expect("call").to_string(), code)
        })
        .collect()
}

#[test]
fn no_service_on_the_mtls_port_answers_python_grpcio_without_a_client_certificate() {
    let Some(python) = python("no_service_on_the_mtls_port_answers_python_grpcio") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    drop(fixture::create_old(&old, 5));
    let agent = TestAgent::start(dir.path(), &[("shop", &old, &new)]);

    let stranger = probe(&python, &agent, None);
    let names: Vec<&str> = stranger.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(names, CALLS);
    for (call, code) in &stranger {
        assert_eq!(
            code, "UNAUTHENTICATED",
            "{call} answered a caller without a certificate"
        );
    }
    let viewer = probe(&python, &agent, Some("viewer"));
    assert_eq!(viewer.len(), CALLS.len());
    for (call, code) in &viewer {
        assert_eq!(code, "OK", "{call} refused a viewer's certificate");
    }
}
