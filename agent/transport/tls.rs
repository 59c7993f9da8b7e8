//! Mutual TLS: the agent's rustls configuration (through tonic), and the
//! caller's identity and role taken from the verified client certificate.

use std::sync::Arc;

use tonic::service::Interceptor;
use tonic::transport::{Certificate, Identity, ServerTlsConfig};
use tonic::{Request, Status};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

use crate::config::{Access, IdentitySource, TlsFiles};
use crate::service::Caller;

#[derive(Debug, thiserror::Error)]
#[error("cannot read {what} {path}: {source}; check [tls] in the agent config")]
pub struct TlsFileError {
    what: &'static str,
    path: std::path::PathBuf,
    source: std::io::Error,
}

/// Server TLS from the configured files. Client certificates are verified
/// against `client_ca` when presented; a call without one is refused by
/// [`Authenticate`] with a clear status rather than a bare handshake error.
pub fn server_config(files: &TlsFiles) -> Result<ServerTlsConfig, TlsFileError> {
    let read = |what, path: &std::path::Path| {
        std::fs::read(path).map_err(|source| TlsFileError {
            what,
            path: path.to_path_buf(),
            source,
        })
    };
    let cert = read("certificate", &files.cert)?;
    let key = read("private key", &files.key)?;
    let ca = read("client CA", &files.client_ca)?;
    Ok(ServerTlsConfig::new()
        .identity(Identity::from_pem(cert, key))
        .client_ca_root(Certificate::from_pem(ca))
        .client_auth_optional(true))
}

/// The name a certificate gives its holder.
pub fn identity_of(der: &[u8], source: IdentitySource) -> Option<String> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    match source {
        IdentitySource::Cn => cert
            .subject()
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .map(str::to_string),
        IdentitySource::San => cert
            .subject_alternative_name()
            .ok()
            .flatten()
            .and_then(|san| {
                san.value.general_names.iter().find_map(|n| match n {
                    GeneralName::DNSName(d) => Some(d.to_string()),
                    _ => None,
                })
            }),
    }
}

/// Puts the caller's [`Caller`] into every request, or refuses it:
/// no certificate is `UNAUTHENTICATED`, an identity with no role is
/// `PERMISSION_DENIED`. Per-call role checks happen in the service.
#[derive(Clone)]
pub struct Authenticate {
    access: Arc<Access>,
}

impl Authenticate {
    pub fn new(access: Access) -> Self {
        Authenticate {
            access: Arc::new(access),
        }
    }
}

impl Interceptor for Authenticate {
    fn call(&mut self, mut req: Request<()>) -> Result<Request<()>, Status> {
        let certs = req.peer_certs().filter(|c| !c.is_empty()).ok_or_else(|| {
            Status::unauthenticated(
                "no client certificate: pass --cert and --key (or MIG_CERT/MIG_KEY) issued by the agent's client CA",
            )
        })?;
        let identity = identity_of(&certs[0], self.access.identity).ok_or_else(|| {
            Status::unauthenticated(format!(
                "the client certificate has no {} to identify it by; issue one with `mig certs init`",
                match self.access.identity {
                    IdentitySource::Cn => "common name",
                    IdentitySource::San => "DNS subject alternative name",
                }
            ))
        })?;
        let role = self.access.role_of(&identity).ok_or_else(|| {
            Status::permission_denied(format!(
                "{identity} has no role on this agent; add it to operators or viewers in the agent's [access]"
            ))
        })?;
        req.extensions_mut().insert(Caller { identity, role });
        Ok(req)
    }
}
