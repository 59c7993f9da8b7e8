//! The agent's TLS: a rustls [`ServerConfig`] built from the `[tls]` files
//! (certificate, key, client CA, revocation list), served through our own
//! acceptor (`acceptor.rs`) so that a new configuration can take over for
//! new connections while existing ones keep theirs (`reload.rs`).
//!
//! Client certificates are optional at the handshake so that a caller
//! without one gets a clear `UNAUTHENTICATED` status from
//! [`super::auth::Authenticate`] instead of a bare handshake failure; a
//! certificate that is presented must chain to the client CA, be within its
//! validity and not be on the revocation list (rustls' own checks).

mod acceptor;
mod counted;
mod reload;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate};

pub use acceptor::incoming;
pub use reload::{Outcome, TlsReloader, Trigger, EXPIRY_WARNING_DAYS};

use crate::config::TlsFiles;

/// Why the TLS files could not be used; one line naming the file and the fix.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the {what} {path}: {source}; check [tls] in the agent config")]
    Read {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the {what} {path} holds no PEM {pem}; check [tls] in the agent config")]
    Empty {
        what: &'static str,
        path: PathBuf,
        pem: &'static str,
    },
    #[error("the key {key} is not the private key of {cert}; point [tls] key at the key made with that certificate (`mig certs renew` writes both)")]
    KeyMismatch { cert: PathBuf, key: PathBuf },
    #[error(
        "the revocation list {path} is not valid: {detail}; re-issue it with `mig certs revoke`"
    )]
    Crl { path: PathBuf, detail: String },
    #[error("the TLS configuration was refused: {0}")]
    Rustls(String),
}

/// A loaded configuration and what the agent reports about it.
pub struct Loaded {
    pub config: Arc<ServerConfig>,
    /// When the agent's own certificate expires.
    pub not_after: Option<OffsetDateTime>,
}

/// Everything read from the files, compared to tell whether they changed.
/// No `Debug`: it holds the private key.
#[derive(Clone, PartialEq, Eq)]
pub struct Contents {
    cert: Vec<u8>,
    key: Vec<u8>,
    ca: Vec<u8>,
    crl: Option<Vec<u8>>,
}

impl Contents {
    pub fn read(files: &TlsFiles) -> Result<Contents, TlsError> {
        Ok(Contents {
            cert: read("certificate", &files.cert)?,
            key: read("private key", &files.key)?,
            ca: read("client CA", &files.client_ca)?,
            crl: files
                .crl
                .as_deref()
                .map(|p| read("revocation list", p))
                .transpose()?,
        })
    }
}

/// The permission bits of a private key other users than its owner may
/// read (anyone who reads it can act as its holder), if they may.
pub fn readable_by_others(key: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(key).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

/// Warns when the agent's private key is readable by other users than its
/// owner: anyone who reads it can impersonate the agent to every client.
/// A warning, not a refusal: a Kubernetes secret mounted with a group
/// (`fsGroup`) is a deliberate choice.
pub fn warn_if_exposed(key: &Path) {
    if let Some(mode) = readable_by_others(key) {
        tracing::warn!(
            "the agent's private key {} is readable by other users (mode {mode:04o}): `chmod 600 {}`",
            key.display(),
            key.display()
        );
    }
}

fn read(what: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        what,
        path: path.to_path_buf(),
        source,
    })
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The server configuration for these contents of these files.
pub fn build(files: &TlsFiles, c: &Contents) -> Result<Loaded, TlsError> {
    let empty = |what, path: &Path, pem| TlsError::Empty {
        what,
        path: path.to_path_buf(),
        pem,
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&c.cert)
        .collect::<Result<_, _>>()
        .map_err(|_| empty("certificate", &files.cert, "CERTIFICATE"))?;
    let leaf = chain
        .first()
        .ok_or_else(|| empty("certificate", &files.cert, "CERTIFICATE"))?;
    let not_after = X509Certificate::from_der(leaf)
        .ok()
        .map(|(_, x)| x.validity().not_after.to_datetime());
    let key = PrivateKeyDer::from_pem_slice(&c.key)
        .map_err(|_| empty("private key", &files.key, "PRIVATE KEY"))?;
    let mut roots = RootCertStore::empty();
    for ca in CertificateDer::pem_slice_iter(&c.ca) {
        let ca = ca.map_err(|_| empty("client CA", &files.client_ca, "CERTIFICATE"))?;
        roots.add(ca).map_err(|e| {
            TlsError::Rustls(format!("client CA {}: {e}", files.client_ca.display()))
        })?;
    }
    if roots.is_empty() {
        return Err(empty("client CA", &files.client_ca, "CERTIFICATE"));
    }
    let mut verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
        .allow_unauthenticated()
        // A second CA in the bundle may have no list: its clients pass.
        .allow_unknown_revocation_status();
    if let (Some(path), Some(crl)) = (&files.crl, &c.crl) {
        let crls: Vec<CertificateRevocationListDer<'static>> =
            CertificateRevocationListDer::pem_slice_iter(crl)
                .collect::<Result<_, _>>()
                .map_err(|_| empty("revocation list", path, "X509 CRL"))?;
        if crls.is_empty() {
            return Err(empty("revocation list", path, "X509 CRL"));
        }
        verifier = verifier.with_crls(crls);
    }
    let verifier = verifier.build().map_err(|e| match (&files.crl, e) {
        (Some(path), rustls::server::VerifierBuilderError::InvalidCrl(e)) => TlsError::Crl {
            path: path.clone(),
            detail: format!("{e:?}"),
        },
        (_, e) => TlsError::Rustls(e.to_string()),
    })?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Rustls(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| match e {
            rustls::Error::InconsistentKeys(_) => TlsError::KeyMismatch {
                cert: files.cert.clone(),
                key: files.key.clone(),
            },
            e => TlsError::Rustls(e.to_string()),
        })?;
    // gRPC is HTTP/2 only.
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Loaded {
        config: Arc::new(config),
        not_after,
    })
}
