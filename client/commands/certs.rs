//! `mig certs init|issue|renew|revoke`: the private CA of a folder, through
//! `mig::transport::certs`. Local only: it needs no agent and opens no
//! database. Prints what was written and the agent.toml lines to use.

use std::path::{Path, PathBuf};

use mig::transport::certs::{self, CertError, ClientSpec, Lifetimes, RevokeOld, Subject};

use super::Output;
use crate::cli::{CertsAction, CertsArgs, CertsInitArgs, CertsIssueArgs, CertsRenewArgs};
use crate::exit::{failed, usage};
use crate::render;

pub fn run(args: &CertsArgs, out: Output) -> anyhow::Result<()> {
    match &args.action {
        CertsAction::Init(a) => init(a, out),
        CertsAction::Issue(a) => issue(a, out),
        CertsAction::Renew(a) => renew(a, out),
        CertsAction::Revoke(a) => {
            let r = certs::revoke(&a.dir, &a.name).map_err(classify)?;
            let what = if r.already {
                "was already revoked"
            } else {
                "revoked"
            };
            let lines = vec![
                format!("{} (serial {}) {what}; {} lists {} certificate(s)", a.name, r.serial, r.file.display(), r.entries),
                "agents whose [tls] crl is that file refuse it at the next handshake once they reload it (by themselves within seconds, or on SIGHUP); copy it to agents on other hosts".into(),
            ];
            let written = if r.already { vec![] } else { vec![r.file] };
            report(out, &written, &lines)
        }
    }
}

/// A bad request is a usage error (2); anything else failed (1).
fn classify(e: CertError) -> anyhow::Error {
    match e {
        CertError::Invalid(m) => usage(m),
        other => failed(other.to_string()),
    }
}

fn report(out: Output, files: &[PathBuf], lines: &[String]) -> anyhow::Result<()> {
    let files: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    if out.json {
        return render::json_report(&serde_json::json!({ "files": files, "notes": lines }));
    }
    let mut all: Vec<String> = files.iter().map(|f| format!("wrote {f}")).collect();
    all.extend_from_slice(lines);
    render::emit(&all)
}

/// The folder as an absolute path, for lines meant to be pasted elsewhere.
fn absolute(dir: &Path) -> PathBuf {
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}

fn init(a: &CertsInitArgs, out: Output) -> anyhow::Result<()> {
    let lifetimes = Lifetimes {
        ca_days: a.ca_days,
        leaf_days: a.days,
    };
    let generated = certs::init(&a.dir, &a.hosts, &a.clients, lifetimes).map_err(classify)?;
    let dir = absolute(&a.dir);
    let f = |name: &str| format!("{:?}", dir.join(name).display().to_string());
    let mut lines = vec![
        format!(
            "certificates valid for {} days, the CA for {}; keep {} offline",
            a.days,
            a.ca_days,
            f("ca-key.pem")
        ),
        "for agent.toml:".into(),
        format!(
            "[tls]\ncert = {}\nkey = {}\nclient_ca = {}\ncrl = {}",
            f("agent.pem"),
            f("agent-key.pem"),
            f("ca.pem"),
            f("crl.pem")
        ),
        certs::access_snippet(&a.clients),
    ];
    if let Some(c) = a.clients.first() {
        lines.push(format!(
            "then: mig --agent https://{}:PORT --ca {dir}/ca.pem --cert {dir}/{name}.pem --key {dir}/{name}-key.pem status",
            a.hosts.first().map_or("HOST", String::as_str),
            dir = dir.display(),
            name = c.name
        ));
    }
    report(out, &generated.files, &lines)
}

fn issue(a: &CertsIssueArgs, out: Output) -> anyhow::Result<()> {
    let mut subjects: Vec<Subject> = a.clients.iter().cloned().map(Subject::Client).collect();
    if let Some(name) = &a.agent_name {
        subjects.push(Subject::Agent {
            name: name.clone(),
            hosts: a.hosts.clone(),
        });
    }
    // Every name is checked and every file refused before anything is written.
    for s in &subjects {
        let name = match s {
            Subject::Agent { name, .. } => name,
            Subject::Client(c) => &c.name,
        };
        let path = a.dir.join(format!("{name}.pem"));
        if path.exists() {
            return Err(classify(CertError::Exists { path }));
        }
    }
    let mut files = Vec::new();
    for s in &subjects {
        files.extend(certs::issue(&a.dir, s, a.days).map_err(classify)?.files);
    }
    let mut lines = vec![format!("valid for {} days", a.days)];
    if !a.clients.is_empty() {
        let clients: Vec<ClientSpec> = a.clients.clone();
        lines.push(format!(
            "add to the agents' [access] (a SIGHUP reloads it):\n{}",
            certs::access_snippet(&clients)
        ));
    }
    report(out, &files, &lines)
}

fn renew(a: &CertsRenewArgs, out: Output) -> anyhow::Result<()> {
    let revoke = if a.revoke_old {
        RevokeOld::Yes
    } else {
        RevokeOld::No
    };
    let r = certs::renew(&a.dir, &a.name, a.days, revoke).map_err(classify)?;
    let date = r.not_after.date();
    let mut lines = vec![format!(
        "{} renewed until {date}: an agent serving it picks the new files up by itself within seconds (or on SIGHUP), running jobs and streams continue; a client passes the new files",
        a.name
    )];
    match r.revoked {
        Some(serial) => lines.push(format!(
            "the previous certificate (serial {serial}) is revoked in crl.pem"
        )),
        None => lines.push(
            "the previous certificate stays valid until it expires; add --revoke-old to refuse it at once".into(),
        ),
    }
    report(out, &r.files, &lines)
}
