//! A TLS handshake the agent or `mig` refuses is one line naming which
//! certificate, the cause and the fix, exit 3: a revoked, expired or
//! foreign client certificate; an agent certificate from another CA, for
//! another host name, or expired (and `status` warns before it expires);
//! `http://` against the mutual-TLS port.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::agent::{make_certs, Setup, TestAgent};
use crate::support::pki::{days, write_leaf, Usage};

use super::harness::{Project, Run, UNAVAILABLE};

/// `mig --agent URL --ca CA --cert DIR/WHO.pem --key DIR/WHO-key.pem status`.
fn status(p: &Project, url: &str, ca: &Path, certs: &Path, who: &str) -> Run {
    let (cert, key) = (
        certs.join(format!("{who}.pem")),
        certs.join(format!("{who}-key.pem")),
    );
    let s = |p: &Path| p.display().to_string();
    p.mig(&[
        "--agent",
        url,
        "--ca",
        &s(ca),
        "--cert",
        &s(&cert),
        "--key",
        &s(&key),
        "status",
    ])
}

/// Runs `run` until it exits `code` (the agent reloads within a second).
fn until_exit(code: i32, mut run: impl FnMut() -> Run) -> Run {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = run();
        if r.code == code || Instant::now() > deadline {
            return r;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn shop_agent(p: &Project, setup: Setup) -> TestAgent {
    TestAgent::start_with(
        &p.dir,
        &[("shop", &p.path("old.db"), &p.path("new.db"))],
        setup,
    )
}

#[test]
fn a_refused_client_certificate_is_named_with_its_cause() {
    let p = Project::shop(5);
    let agent = shop_agent(
        &p,
        Setup {
            crl: true,
            ..Setup::default()
        },
    );
    let (url, ca, certs) = (agent.url(), agent.certs.join("ca.pem"), agent.certs.clone());
    status(&p, &url, &ca, &certs, "operator").ok();

    mig::transport::certs::revoke(&certs, "operator").expect("revoke");
    let run = until_exit(UNAVAILABLE, || status(&p, &url, &ca, &certs, "operator"));
    let line = run.fails(
        UNAVAILABLE,
        "status failed: the agent refused the client certificate ",
    );
    assert!(
        line.ends_with("operator.pem: it is revoked; ask for a new one (`mig certs issue`)"),
        "{line}"
    );

    write_leaf(
        &certs,
        &p.dir,
        "late",
        &[],
        Usage::Client,
        (days(-10), days(-1)),
    );
    let line = status(&p, &url, &ca, &p.dir, "late")
        .fails(UNAVAILABLE, "status failed: ")
        .to_string();
    assert!(line.contains("late.pem: it has expired"), "{line}");

    let foreign = make_certs(&p.path("elsewhere"));
    let line = status(&p, &url, &ca, &foreign, "viewer")
        .fails(UNAVAILABLE, "status failed: ")
        .to_string();
    assert!(
        line.contains("it is not issued by the agent's client CA (unknown CA)"),
        "{line}"
    );
}

#[test]
fn a_refused_agent_certificate_is_named_with_its_cause_and_status_warns_before_it_expires() {
    let p = Project::shop(5);
    let agent = shop_agent(&p, Setup::default());
    let (url, ca, certs) = (agent.url(), agent.certs.join("ca.pem"), agent.certs.clone());
    let port = agent.addr.rsplit(':').next().expect("port").to_string();

    let foreign = make_certs(&p.path("elsewhere"));
    let line = status(&p, &url, &foreign.join("ca.pem"), &certs, "operator")
        .fails(UNAVAILABLE, "status failed: ")
        .to_string();
    assert!(
        line.contains("the agent's certificate is not issued by the CA in --ca"),
        "{line}"
    );

    // An agent certificate for localhost only, 10 days left: the agent
    // picks it up by itself.
    write_leaf(
        &certs,
        &certs,
        "agent",
        &["localhost"],
        Usage::Agent,
        (days(-1), days(10)),
    );
    let run = until_exit(0, || {
        let r = status(&p, &url, &ca, &certs, "operator");
        if r.stdout.contains("expires in") {
            r
        } else {
            Run { code: -1, ..r }
        }
    });
    run.ok().line_starting("warning: the agent's certificate ");
    let by_ip = format!("https://127.0.0.1:{port}");
    let line = status(&p, &by_ip, &ca, &certs, "operator")
        .fails(UNAVAILABLE, "status failed: ")
        .to_string();
    assert!(
        line.contains("not valid for the host name \"127.0.0.1\""),
        "{line}"
    );

    write_leaf(
        &certs,
        &certs,
        "agent",
        &["localhost"],
        Usage::Agent,
        (days(-10), days(-1)),
    );
    let run = until_exit(UNAVAILABLE, || status(&p, &url, &ca, &certs, "operator"));
    let line = run.fails(UNAVAILABLE, "status failed: ");
    assert!(
        line.contains("the agent's certificate has expired: renew it"),
        "{line}"
    );
}

#[test]
fn http_against_the_mutual_tls_port_says_to_use_https() {
    let p = Project::shop(5);
    let agent = shop_agent(&p, Setup::default());
    let url = format!("http://{}", agent.addr);
    let line = p
        .mig(&["--agent", &url, "status"])
        .fails(UNAVAILABLE, "status failed: ")
        .to_string();
    assert!(
        line.contains("speaks TLS, not plaintext: use https://"),
        "{line}"
    );
}

#[test]
fn http_works_only_against_a_loopback_insecure_listen() {
    let p = Project::shop(5);
    let agent = shop_agent(
        &p,
        Setup {
            insecure: true,
            ..Setup::default()
        },
    );
    let url = format!(
        "http://{}",
        agent.insecure_addr.as_deref().expect("insecure listener")
    );
    p.mig(&["--agent", &url, "status"])
        .ok()
        .has_line("database: shop");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mig-agent"))
        .args(["--config", &agent.config_path().display().to_string()])
        .args(["--insecure-listen", "0.0.0.0:0"])
        .output()
        .expect("run mig-agent");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--insecure-listen 0.0.0.0:0 is not a loopback address"),
        "{stderr}"
    );
}
