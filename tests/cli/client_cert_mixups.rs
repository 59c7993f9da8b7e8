//! A client certificate the agent cannot take as a client's: the agent's
//! own `agent.pem` passed as `--cert` (it sits in the same `mig certs`
//! folder as `alice.pem`). Found on a Buildbot master's agent
//! (docs/reliability.md): the line was "the agent refused the TLS
//! handshake (UnsupportedCertificate); check --cert and --key", which names
//! neither the file nor what is wrong with it. Now one line says that
//! certificate is not a client's and which to pass, exit 3.

use std::path::Path;

use crate::support::agent::{Setup, TestAgent};

use super::harness::{Project, UNAVAILABLE};

#[test]
fn the_agents_own_certificate_as_cert_is_named_as_not_a_client_certificate() {
    let p = Project::shop(5);
    let agent = TestAgent::start_with(
        &p.dir,
        &[("shop", &p.path("old.db"), &p.path("new.db"))],
        Setup::default(),
    );
    let s = |p: &Path| p.display().to_string();
    let certs = agent.certs.clone();
    let run = p.mig(&[
        "--agent",
        &agent.url(),
        "--ca",
        &s(&certs.join("ca.pem")),
        "--cert",
        &s(&certs.join("agent.pem")),
        "--key",
        &s(&certs.join("agent-key.pem")),
        "status",
    ]);
    let line = run.fails(
        UNAVAILABLE,
        "status failed: the agent refused the client certificate ",
    );
    assert!(
        line.contains("agent.pem: it is not a client certificate")
            && line.contains("pass a client's certificate"),
        "{line}"
    );
}
