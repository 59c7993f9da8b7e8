//! `mig certs init|issue|renew|revoke`: lifetimes, the agent.toml lines it
//! prints (used as printed by a real agent), and a certificate's life:
//! issued, renewed with a new key and serial, revoked into `crl.pem`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use time::OffsetDateTime;
use x509_parser::prelude::FromDer;

use super::harness::{Project, FAILED, USAGE};

fn not_after(path: &std::path::Path) -> OffsetDateTime {
    let pem = std::fs::read(path).expect("read");
    let der = mig::transport::certs::pem_block(&pem, "CERTIFICATE").expect("PEM");
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(&der).expect("x509");
    cert.validity().not_after.to_datetime()
}

fn days_left(path: &std::path::Path) -> i64 {
    (not_after(path) - OffsetDateTime::now_utc()).whole_days()
}

fn revoked_serials(path: &std::path::Path) -> Vec<Vec<u8>> {
    let pem = std::fs::read(path).expect("read crl");
    let der = mig::transport::certs::pem_block(&pem, "X509 CRL").expect("PEM CRL");
    let (_, crl) =
        x509_parser::revocation_list::CertificateRevocationList::from_der(&der).expect("CRL");
    crl.iter_revoked_certificates()
        .map(|r| r.serial().to_bytes_be())
        .collect()
}

/// Kills the agent when the test ends, however it ends.
struct Agent(std::process::Child);

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn certs_init_sets_lifetimes_and_its_agent_toml_lines_configure_a_real_agent() {
    let p = Project::shop(5);
    let run = p
        .mig(&[
            "certs",
            "init",
            "pki",
            "--host",
            "localhost",
            "--client",
            "alice:operator",
            "--client",
            "dash:viewer",
            "--days",
            "30",
            "--ca-days",
            "400",
        ])
        .ok();
    assert!((28..=30).contains(&days_left(&p.path("pki/alice.pem"))));
    assert!((28..=30).contains(&days_left(&p.path("pki/agent.pem"))));
    assert!((398..=400).contains(&days_left(&p.path("pki/ca.pem"))));
    run.has_line("operators = [\"alice\"]")
        .has_line("viewers = [\"dash\"]");
    assert!(revoked_serials(&p.path("pki/crl.pem")).is_empty());

    // The printed [tls] and [access] lines, as an operator would paste them.
    let snippet: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|l| *l != "for agent.toml:")
        .skip(1)
        .take_while(|l| !l.starts_with("then:"))
        .collect();
    let config = format!(
        "listen = \"127.0.0.1:0\"\n{}\n[[database]]\nname = \"shop\"\nold = \"old.db\"\nnew = \"new.db\"\n",
        snippet.join("\n")
    );
    p.write("agent.toml", &config);
    let mut child = Command::new(env!("CARGO_BIN_EXE_mig-agent"))
        .args(["--config", &p.path("agent.toml").display().to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn mig-agent");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let _agent = Agent(child);
    let port = line.trim().rsplit(':').next().expect("port").to_string();
    let url = format!("https://localhost:{port}");
    let who = |name: &str| {
        vec![
            "--agent".to_string(),
            url.clone(),
            "--ca".into(),
            "pki/ca.pem".into(),
            "--cert".into(),
            format!("pki/{name}.pem"),
            "--key".into(),
            format!("pki/{name}-key.pem"),
        ]
    };
    let run_as = |name: &str, cmd: &str| {
        let mut args = who(name);
        args.push(cmd.into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        p.mig(&args)
    };
    run_as("alice", "status").ok().has_line("database: shop");
    run_as("dash", "cutover").fails(FAILED, "cutover failed: dash has role viewer");
}

#[test]
fn certs_issue_renew_and_revoke_a_certificate() {
    let p = Project::empty("site");
    p.mig(&["certs", "init", "pki", "--host", "localhost"]).ok();
    p.mig(&[
        "certs",
        "issue",
        "pki",
        "--client",
        "bob:viewer",
        "--days",
        "10",
    ])
    .ok()
    .has_line("viewers = [\"bob\"]");
    assert!((8..=10).contains(&days_left(&p.path("pki/bob.pem"))));
    p.mig(&["certs", "issue", "pki", "--client", "bob:viewer"])
        .fails(FAILED, "certs issue failed: pki/bob.pem already exists");
    assert_eq!(p.mig(&["certs", "issue", "pki"]).code, USAGE);
    p.mig(&[
        "certs",
        "issue",
        "pki",
        "--agent-name",
        "eu1",
        "--host",
        "eu1.example",
    ])
    .ok();

    let first = mig_serial(&p.path("pki/bob.pem"));
    let first_key = std::fs::read(p.path("pki/bob-key.pem")).expect("key");
    p.mig(&["certs", "renew", "pki", "bob"]).ok();
    assert_ne!(mig_serial(&p.path("pki/bob.pem")), first);
    assert_ne!(
        std::fs::read(p.path("pki/bob-key.pem")).expect("key"),
        first_key
    );
    assert!((363..=365).contains(&days_left(&p.path("pki/bob.pem"))));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(p.path("pki/bob-key.pem"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(
        revoked_serials(&p.path("pki/crl.pem")).is_empty(),
        "renew alone revokes nothing"
    );

    let second = mig_serial(&p.path("pki/bob.pem"));
    p.mig(&["certs", "renew", "pki", "bob", "--revoke-old"])
        .ok();
    assert_eq!(
        revoked_serials(&p.path("pki/crl.pem")),
        std::slice::from_ref(&second)
    );
    let third = mig_serial(&p.path("pki/bob.pem"));
    p.mig(&["certs", "revoke", "pki", "bob"])
        .ok()
        .line_starting("bob (serial ");
    assert_eq!(revoked_serials(&p.path("pki/crl.pem")), [second, third]);

    p.mig(&["certs", "revoke", "pki", "carol"])
        .fails(FAILED, "certs revoke failed: pki/carol.pem not found");
    assert_eq!(p.mig(&["certs", "revoke", "pki", "../x"]).code, USAGE);
    assert_eq!(
        p.mig(&["certs", "init", "other", "--host", "h", "--days", "0"])
            .code,
        USAGE
    );
}

fn mig_serial(path: &std::path::Path) -> Vec<u8> {
    crate::support::pki::serial_of_file(path)
}
