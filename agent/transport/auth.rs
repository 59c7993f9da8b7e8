//! Who is calling: the caller's identity and role, taken from the client
//! certificate rustls verified at the handshake, checked on every call of
//! every service on the mutual-TLS port (health and reflection included).
//! The access lists can be swapped while serving (SIGHUP).

use std::sync::{Arc, RwLock};

use tonic::service::Interceptor;
use tonic::{Request, Status};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

use crate::config::{Access, IdentitySource};
use crate::service::{Caller, ServiceError};

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
/// Clones share one access list, which [`Authenticate::replace`] swaps.
#[derive(Clone)]
pub struct Authenticate {
    access: Arc<RwLock<Arc<Access>>>,
}

impl Authenticate {
    pub fn new(access: Access) -> Self {
        Authenticate {
            access: Arc::new(RwLock::new(Arc::new(access))),
        }
    }

    /// The access lists every later call is checked against.
    pub fn replace(&self, access: Access) {
        *self.access.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(access);
    }

    fn current(&self) -> Arc<Access> {
        // A plain assignment under the lock: a panic cannot leave it torn.
        Arc::clone(&self.access.read().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Interceptor for Authenticate {
    fn call(&mut self, mut req: Request<()>) -> Result<Request<()>, Status> {
        let access = self.current();
        let certs = req.peer_certs().filter(|c| !c.is_empty()).ok_or_else(|| {
            ServiceError::Unauthenticated(
                "no client certificate: pass --cert and --key (or MIG_CERT/MIG_KEY) issued by the agent's client CA".into(),
            )
        })?;
        let identity = identity_of(&certs[0], access.identity).ok_or_else(|| {
            ServiceError::Unauthenticated(format!(
                "the client certificate has no {} to identify it by; issue one with `mig certs issue`",
                match access.identity {
                    IdentitySource::Cn => "common name",
                    IdentitySource::San => "DNS subject alternative name",
                }
            ))
        })?;
        let role = access.role_of(&identity).ok_or_else(|| {
            ServiceError::PermissionDenied(format!(
                "{identity} has no role on this agent; add it to operators or viewers in the agent's [access] and send the agent SIGHUP"
            ))
        })?;
        req.extensions_mut().insert(Caller { identity, role });
        Ok(req)
    }
}
