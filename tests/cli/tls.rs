//! `--agent https://…` with `--ca/--cert/--key` (or MIG_CA/MIG_CERT/MIG_KEY)
//! against an agent that requires a client certificate.

use super::agent::{Pki, TestAgent};
use super::harness::{mig_with_env, Project, UNAVAILABLE};
use super::remote::database;

fn write_pki(p: &Project, pki: &Pki) {
    p.write("ca.pem", &pki.ca);
    p.write("client.pem", &pki.client.0);
    p.write("client.key", &pki.client.1);
}

#[test]
fn mutual_tls_with_flags_and_with_environment() {
    let p = Project::shop(5);
    let pki = Pki::generate();
    write_pki(&p, &pki);
    let agent = TestAgent::tls(vec![database("shop", &p)], &pki);
    let a = agent.url.as_str();
    let tls = [
        "--ca",
        "ca.pem",
        "--cert",
        "client.pem",
        "--key",
        "client.key",
    ];
    let mut args = vec!["--agent", a];
    args.extend_from_slice(&tls);
    args.push("status");
    p.mig(&args).ok().has_line("phase: not started");
    let env = [
        ("MIG_CA", "ca.pem"),
        ("MIG_CERT", "client.pem"),
        ("MIG_KEY", "client.key"),
    ];
    mig_with_env(&p.dir, &["--agent", a, "databases"], &env)
        .ok()
        .has_line("shop  not started");
}

#[test]
fn an_agent_certificate_from_another_ca_is_unreachable() {
    let p = Project::shop(5);
    let pki = Pki::generate();
    write_pki(&p, &pki);
    p.write("other-ca.pem", &Pki::generate().ca);
    let agent = TestAgent::tls(vec![database("shop", &p)], &pki);
    p.mig(&[
        "--agent",
        &agent.url,
        "--ca",
        "other-ca.pem",
        "--cert",
        "client.pem",
        "--key",
        "client.key",
        "status",
    ])
    .fails(
        UNAVAILABLE,
        "status failed: the agent's certificate is not issued by the CA in --ca other-ca.pem (unknown CA)",
    );
}

#[test]
fn a_key_that_is_not_the_certificates_is_named_as_such() {
    let p = Project::shop(5);
    let pki = Pki::generate();
    write_pki(&p, &pki);
    p.write("other.key", &Pki::generate().client.1);
    let agent = TestAgent::tls(vec![database("shop", &p)], &pki);
    let run = p.mig(&[
        "--agent",
        &agent.url,
        "--ca",
        "ca.pem",
        "--cert",
        "client.pem",
        "--key",
        "other.key",
        "status",
    ]);
    assert_eq!(
        run.fails(super::harness::USAGE, "status failed: "),
        "status failed: --key other.key is not the private key of --cert client.pem; pass the key made with that certificate"
    );
}
