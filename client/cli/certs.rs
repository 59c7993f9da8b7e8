//! The arguments of `mig certs` (init, issue, renew, revoke).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use mig::transport::certs::{self, ClientSpec};

use super::OutputArgs;

#[derive(Debug, Args)]
pub struct CertsArgs {
    #[command(subcommand)]
    pub action: CertsAction,
}

#[derive(Debug, Subcommand)]
pub enum CertsAction {
    /// Generate a private CA, an empty revocation list, an agent certificate
    /// and client certificates into a folder (keys written mode 0600,
    /// nothing overwritten); prints the agent.toml [tls] and [access] lines.
    Init(CertsInitArgs),
    /// Issue another client or agent certificate from the CA in a folder.
    Issue(CertsIssueArgs),
    /// Replace a certificate of the folder with a new one: same name, host
    /// names and role, a new key and a new lifetime. Agents pick up their
    /// own renewed files by themselves.
    Renew(CertsRenewArgs),
    /// Revoke a certificate of the folder: its serial goes on the folder's
    /// crl.pem, which agents with `[tls] crl` reload within seconds.
    Revoke(CertsRevokeArgs),
}

impl CertsAction {
    /// The output options given after the command.
    pub(super) fn output(&self) -> &OutputArgs {
        match self {
            CertsAction::Init(a) => &a.output,
            CertsAction::Issue(a) => &a.output,
            CertsAction::Renew(a) => &a.output,
            CertsAction::Revoke(a) => &a.output,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            CertsAction::Init(_) => "certs init",
            CertsAction::Issue(_) => "certs issue",
            CertsAction::Renew(_) => "certs renew",
            CertsAction::Revoke(_) => "certs revoke",
        }
    }
}

#[derive(Debug, Args)]
pub struct CertsInitArgs {
    /// The folder to write into (created if missing).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// A host name or IP address clients use to reach the agent (repeat
    /// for several).
    #[arg(long = "host", value_name = "NAME", required = true)]
    pub hosts: Vec<String>,

    /// A client certificate to issue, as NAME:ROLE with role operator or
    /// viewer (repeat for several).
    #[arg(long = "client", value_name = "NAME:ROLE")]
    pub clients: Vec<ClientSpec>,

    /// Lifetime of the agent and client certificates, in days.
    #[arg(long, value_name = "DAYS", default_value_t = certs::DEFAULT_LEAF_DAYS)]
    pub days: u32,

    /// Lifetime of the CA certificate, in days (no certificate it issues
    /// outlives it).
    #[arg(long, value_name = "DAYS", default_value_t = certs::DEFAULT_CA_DAYS)]
    pub ca_days: u32,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("what").required(true).multiple(true).args(["clients", "agent_name"]))]
pub struct CertsIssueArgs {
    /// The folder holding the CA (ca.pem and ca-key.pem); the new files
    /// are written there.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// A client certificate to issue, as NAME:ROLE (repeat for several).
    #[arg(long = "client", value_name = "NAME:ROLE")]
    pub clients: Vec<ClientSpec>,

    /// An agent certificate to issue, written as NAME.pem (with --host).
    #[arg(long, value_name = "NAME", requires = "hosts")]
    pub agent_name: Option<String>,

    /// A host name or IP address of that agent (repeat for several).
    #[arg(long = "host", value_name = "NAME", requires = "agent_name")]
    pub hosts: Vec<String>,

    /// Lifetime of the new certificates, in days.
    #[arg(long, value_name = "DAYS", default_value_t = certs::DEFAULT_LEAF_DAYS)]
    pub days: u32,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CertsRenewArgs {
    /// The folder holding the CA and the certificate.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// The certificate to renew: NAME for DIR/NAME.pem (e.g. agent).
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Lifetime of the renewed certificate, in days.
    #[arg(long, value_name = "DAYS", default_value_t = certs::DEFAULT_LEAF_DAYS)]
    pub days: u32,

    /// Also revoke the certificate being replaced (for a key that leaked;
    /// otherwise it stays valid until it expires).
    #[arg(long)]
    pub revoke_old: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CertsRevokeArgs {
    /// The folder holding the CA, the certificate and crl.pem.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// The certificate to revoke: NAME for DIR/NAME.pem.
    #[arg(value_name = "NAME")]
    pub name: String,

    #[command(flatten)]
    pub output: OutputArgs,
}
