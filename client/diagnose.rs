//! Why an agent could not be reached, in words an operator can act on.
//!
//! With TLS 1.3 the client finishes its handshake before the agent has
//! checked the client certificate, so a refused certificate reaches the
//! gRPC client as "operation was canceled", "transport error" or a broken
//! pipe, whatever hyper saw first. When a remote command fails like that,
//! [`explain`] repeats the handshake once on its own, reads the agent's
//! first bytes (its HTTP/2 settings, or rustls' alert) and turns rustls'
//! typed error into one line naming the cause and the fix (exit 3).

use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{AlertDescription, CertificateError, ClientConfig, RootCertStore};
use tokio::io::AsyncReadExt;

use crate::connect::{Remote, TlsFiles};
use crate::exit::{classify, error, Exit};

/// Longest the diagnostic connection may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// The error to report for a failed remote command: `err` itself, or a
/// clearer one when a fresh handshake shows which certificate was refused.
pub async fn explain(remote: &Remote, err: anyhow::Error) -> anyhow::Error {
    if !connection_failure(&err) {
        return err;
    }
    match handshake_cause(remote).await {
        Some(cause) => error(Exit::Unavailable, cause),
        None => err,
    }
}

/// Why a handshake with `remote` fails, in one line, if a fresh one shows
/// it (a refused or untrusted certificate, TLS spoken where plain HTTP/2
/// was expected); `None` when it succeeds or shows nothing clearer.
pub async fn handshake_cause(remote: &Remote) -> Option<String> {
    let found = match &remote.tls {
        Some(tls) => tokio::time::timeout(PROBE_TIMEOUT, probe(remote, tls)).await,
        None => tokio::time::timeout(PROBE_TIMEOUT, speaks_tls(remote)).await,
    };
    found.ok().flatten()
}

/// Failures that the agent did not explain itself (no status of its own;
/// hyper reports a protocol mismatch as `INTERNAL`).
pub fn connection_failure(err: &anyhow::Error) -> bool {
    let status_from_agent = err.chain().any(|c| {
        c.downcast_ref::<tonic::Status>().is_some_and(|s| {
            !matches!(
                s.code(),
                tonic::Code::Unknown
                    | tonic::Code::Unavailable
                    | tonic::Code::Cancelled
                    | tonic::Code::Internal
            )
        })
    });
    !status_from_agent
        && matches!(
            classify(err),
            Exit::Unavailable | Exit::Failed | Exit::Cancelled
        )
}

/// For an `http://` agent: whether a TLS server listens there instead (a
/// handshake trusting no CA still gets as far as its certificate).
async fn speaks_tls(remote: &Remote) -> Option<String> {
    let (host, port) = host_port(remote)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .with_root_certificates(RootCertStore::empty())
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let name = ServerName::try_from(host.clone()).ok()?;
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .ok()?;
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await;
    let is_tls = match &tls {
        Ok(_) => true,
        Err(e) => matches!(
            rustls_error(e),
            Some(rustls::Error::InvalidCertificate(_) | rustls::Error::AlertReceived(_))
        ),
    };
    is_tls.then(|| format!(
        "the agent at {} speaks TLS, not plaintext: use https:// with --ca, --cert and --key (plaintext is served only on a loopback --insecure-listen)",
        remote.url
    ))
}

fn host_port(remote: &Remote) -> Option<(String, u16)> {
    let uri: tonic::codegen::http::Uri = remote.url.parse().ok()?;
    let host = uri
        .host()?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let default = if remote.tls.is_some() { 443 } else { 80 };
    Some((host, uri.port_u16().unwrap_or(default)))
}

/// A handshake as `mig` makes it; `Some(cause)` when a certificate was refused.
async fn probe(remote: &Remote, tls: &TlsFiles) -> Option<String> {
    let uri: tonic::codegen::http::Uri = remote.url.parse().ok()?;
    let host = uri
        .host()?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = uri.port_u16().unwrap_or(443);
    let config = client_config(tls)?;
    let name = ServerName::try_from(host.clone()).ok()?;
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .ok()?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let mut stream = match connector.connect(name, tcp).await {
        Ok(s) => s,
        Err(e) => return rustls_error(&e).and_then(|r| cause(r, &host, tls)),
    };
    // The agent speaks first (HTTP/2 settings) unless it refused us.
    let mut byte = [0u8; 1];
    match stream.read(&mut byte).await {
        Ok(_) => None,
        Err(e) => rustls_error(&e).and_then(|r| cause(r, &host, tls)),
    }
}

fn rustls_error(e: &std::io::Error) -> Option<&rustls::Error> {
    e.get_ref()?.downcast_ref::<rustls::Error>()
}

fn client_config(tls: &TlsFiles) -> Option<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for ca in CertificateDer::pem_file_iter(&tls.ca).ok()? {
        roots.add(ca.ok()?).ok()?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .with_root_certificates(roots);
    let mut config = match &tls.identity {
        Some((cert, key)) => {
            let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
                .ok()?
                .collect::<Result<_, _>>()
                .ok()?;
            let key = PrivateKeyDer::from_pem_file(key).ok()?;
            builder.with_client_auth_cert(chain, key).ok()?
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Some(config)
}

/// One line: which certificate, what is wrong with it, what to do.
fn cause(e: &rustls::Error, host: &str, tls: &TlsFiles) -> Option<String> {
    let ca = tls.ca.display();
    let ours = tls.identity.as_ref().map_or_else(
        || "this client's certificate".to_string(),
        |(c, _)| format!("the client certificate {}", c.display()),
    );
    let text = match e {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => format!(
                "the agent's certificate is not issued by the CA in --ca {ca} (unknown CA): pass the ca.pem of the folder that issued the agent's certificate"
            ),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => format!(
                "the agent's certificate is not valid for the host name {host:?} ({c}): connect with a name it lists, or issue the agent one for it (`mig certs issue DIR --agent-name NAME --host {host}`)"
            ),
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the agent's certificate has expired: renew it on the agent's host (`mig certs renew DIR agent`); the agent picks it up by itself".to_string()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "the agent's certificate is not valid yet: check the clocks of this host and the agent's".to_string()
            }
            other => format!("the agent's certificate was refused ({other}); check --ca {ca}"),
        },
        rustls::Error::AlertReceived(alert) => match alert {
            AlertDescription::CertificateRevoked => format!(
                "the agent refused {ours}: it is revoked; ask for a new one (`mig certs issue`)"
            ),
            AlertDescription::CertificateExpired => format!(
                "the agent refused {ours}: it has expired (or is not valid yet); renew it (`mig certs renew DIR NAME`)"
            ),
            AlertDescription::UnknownCA | AlertDescription::DecryptError | AlertDescription::BadCertificate => format!(
                "the agent refused {ours}: it is not issued by the agent's client CA (unknown CA); use a certificate from the agent's `mig certs` folder"
            ),
            // webpki's InvalidPurpose: a certificate made for a server
            // (the agent's own agent.pem, beside the clients' in its folder).
            AlertDescription::UnsupportedCertificate => format!(
                "the agent refused {ours}: it is not a client certificate (it is made for a server, like the agent's own agent.pem); pass a client's certificate and key, NAME.pem and NAME-key.pem from `mig certs init --client NAME:ROLE` or `mig certs issue`"
            ),
            other => format!("the agent refused the TLS handshake ({other:?}); check --cert and --key"),
        },
        _ => return None,
    };
    Some(text)
}
