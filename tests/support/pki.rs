//! Certificates a `mig certs` folder would not issue (already expired,
//! about to expire), signed by that folder's CA with rcgen; what an agent
//! serves right now, read from a real TLS handshake; and waiting for a
//! condition with a deadline.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{CertificateParams, ExtendedKeyUsagePurpose, Issuer, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate};

/// Which side a certificate is for.
#[derive(Debug, Clone, Copy)]
pub enum Usage {
    Agent,
    Client,
}

/// A certificate from the CA in `certs` for `cn` (also its only DNS name
/// unless `hosts` are given), valid from `from` until `until`; written as
/// `NAME.pem` / `NAME-key.pem` into `out`.
pub fn write_leaf(
    certs: &Path,
    out: &Path,
    cn: &str,
    hosts: &[&str],
    usage: Usage,
    (from, until): (OffsetDateTime, OffsetDateTime),
) {
    let ca_cert = std::fs::read_to_string(certs.join("ca.pem")).expect("ca.pem");
    let ca_key = std::fs::read_to_string(certs.join("ca-key.pem")).expect("ca-key.pem");
    let issuer = Issuer::from_ca_cert_pem(&ca_cert, KeyPair::from_pem(&ca_key).expect("CA key"))
        .expect("CA");
    let sans: Vec<String> = if hosts.is_empty() {
        vec![cn.to_string()]
    } else {
        hosts.iter().map(|h| h.to_string()).collect()
    };
    let mut params = CertificateParams::new(sans).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    params.extended_key_usages = vec![match usage {
        Usage::Agent => ExtendedKeyUsagePurpose::ServerAuth,
        Usage::Client => ExtendedKeyUsagePurpose::ClientAuth,
    }];
    params.not_before = from;
    params.not_after = until;
    let key = KeyPair::generate().expect("key");
    let cert = params.signed_by(&key, &issuer).expect("sign");
    std::fs::write(out.join(format!("{cn}.pem")), cert.pem()).expect("write cert");
    std::fs::write(out.join(format!("{cn}-key.pem")), key.serialize_pem()).expect("write key");
}

/// Days from now (negative: in the past).
pub fn days(n: i64) -> OffsetDateTime {
    OffsetDateTime::now_utc() + time::Duration::days(n)
}

/// The serial number of the certificate in a PEM file.
pub fn serial_of_file(path: &Path) -> Vec<u8> {
    let der = CertificateDer::from_pem_file(path).expect("a PEM certificate");
    serial_of(&der)
}

fn serial_of(der: &[u8]) -> Vec<u8> {
    let (_, cert) = X509Certificate::from_der(der).expect("a certificate");
    cert.serial.to_bytes_be()
}

/// The serial of the certificate the agent at `addr` serves to a new
/// connection (no client certificate: the handshake is all we need).
pub async fn served_serial(addr: &str, ca: &Path) -> Vec<u8> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(ca).expect("ca"))
        .expect("root");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").expect("name"), tcp)
        .await
        .expect("handshake");
    let certs = tls
        .get_ref()
        .1
        .peer_certificates()
        .expect("server certificate");
    serial_of(&certs[0])
}

/// Polls `check` every 20 ms until it returns `Some`, for at most `limit`.
pub async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
