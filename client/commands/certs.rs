//! `mig certs init`: a private CA, the agent's certificate and client
//! certificates, written by `mig::transport::certs`. Local only: it needs no
//! agent and opens no database.

use mig::transport::certs::{self, CertError};

use super::Output;
use crate::cli::{CertsAction, CertsArgs};
use crate::exit::{failed, usage};
use crate::render;

pub fn run(args: &CertsArgs, out: Output) -> anyhow::Result<()> {
    let CertsAction::Init(init) = &args.action;
    let generated = certs::init(&init.dir, &init.hosts, &init.clients).map_err(|e| match e {
        CertError::Invalid(m) => usage(m),
        other => failed(other.to_string()),
    })?;
    let files: Vec<String> = generated
        .files
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    if out.json {
        return render::json_report(&serde_json::json!({ "files": files }));
    }
    let mut lines: Vec<String> = files.iter().map(|f| format!("wrote {f}")).collect();
    let dir = init.dir.display();
    lines.push(format!(
        "next: point agent.toml's [tls] at {dir}/agent.pem, {dir}/agent-key.pem and client_ca {dir}/ca.pem; keep {dir}/ca-key.pem offline"
    ));
    if let Some(c) = init.clients.first() {
        lines.push(format!(
            "then: mig --agent https://{}:PORT --ca {dir}/ca.pem --cert {dir}/{name}.pem --key {dir}/{name}-key.pem status",
            init.hosts.first().map_or("HOST", String::as_str),
            name = c.name
        ));
    }
    render::emit(&lines)
}
