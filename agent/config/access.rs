//! Who may call an agent and how much of it: `[tls]` (the agent's
//! certificate and the CA its callers' certificates must chain to),
//! `[access]` (identities per role) and `[limits]` (request size, streams,
//! deadlines), as `agent.toml` gives them.

use std::path::PathBuf;

use serde::Deserialize;

/// What a caller may do. Viewers read (status, watch, plan, list);
/// operators may also change things.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Viewer,
    Operator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
        }
    }
}

/// Which part of the client certificate names the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum IdentitySource {
    /// The subject's common name.
    #[default]
    Cn,
    /// The first DNS subject alternative name.
    San,
}

/// Who may call: identities (from client certificates) per role.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Access {
    #[serde(default)]
    pub identity: IdentitySource,
    #[serde(default)]
    pub operators: Vec<String>,
    #[serde(default)]
    pub viewers: Vec<String>,
}

impl Access {
    /// The role of an identity; `None`: not allowed at all. `*` in a list
    /// matches every identity.
    pub fn role_of(&self, identity: &str) -> Option<Role> {
        let listed = |l: &[String]| l.iter().any(|n| n == identity || n == "*");
        if listed(&self.operators) {
            Some(Role::Operator)
        } else if listed(&self.viewers) {
            Some(Role::Viewer)
        } else {
            None
        }
    }
}

/// The TLS material of the agent: its certificate and key, the CA that
/// signs the client certificates it accepts, and that CA's revocation list.
/// Re-read on SIGHUP and whenever one of the files changes.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub client_ca: PathBuf,
    /// Revoked client certificates (PEM `X509 CRL`, e.g. `mig certs
    /// revoke`'s `crl.pem`); checked at every handshake.
    #[serde(default)]
    pub crl: Option<PathBuf>,
}

/// Protection against heavy or hostile clients.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest request accepted (a schema file is sent in one request).
    pub max_request_bytes: usize,
    /// Concurrent calls (including open event streams) per connection.
    pub max_streams_per_client: u32,
    /// Deadline of every unary call, in milliseconds.
    pub unary_timeout_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_request_bytes: 4 << 20,
            max_streams_per_client: 64,
            unary_timeout_ms: 60_000,
        }
    }
}
