//! The client's TLS files, read for a connection: `--ca`, `--cert` and
//! `--key` each checked to hold what its flag needs (named with the flag,
//! never quoted), and a key readable by other users noted for a warning.

use std::path::{Path, PathBuf};

use tonic::transport::{Certificate, ClientTlsConfig, Identity};

use super::TlsFiles;
use crate::exit::usage;

/// The TLS configuration of a connection with `tls`'s files.
pub(super) fn tls_config(tls: &TlsFiles) -> anyhow::Result<ClientTlsConfig> {
    let ca = read_pem(&tls.ca, "--ca", Pem::Certificate)?;
    let mut config = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(ca));
    if let Some((cert, key)) = &tls.identity {
        warn_if_exposed(key);
        config = config.identity(Identity::from_pem(
            read_pem(cert, "--cert", Pem::Certificate)?,
            read_pem(key, "--key", Pem::PrivateKey)?,
        ));
    }
    Ok(config)
}

/// Keys readable by other users, with the warning for each, said once the
/// command has succeeded (a failure stays one line).
static EXPOSED_KEYS: std::sync::Mutex<Vec<(PathBuf, String)>> = std::sync::Mutex::new(Vec::new());

/// Notes a warning when the client's private key is readable by other
/// users: anyone who reads it can act as this client (an operator's key
/// migrates databases). A warning, as the agent gives for its own key: a
/// key shared with a group can be deliberate. Once per key file in a
/// process (a fleet opens one connection per agent with the same key).
fn warn_if_exposed(key: &Path) {
    let mut noted = EXPOSED_KEYS.lock().unwrap_or_else(|p| p.into_inner());
    if noted.iter().any(|(k, _)| k == key) {
        return;
    }
    if let Some(mode) = mig::transport::tls::readable_by_others(key) {
        let shown = key.display();
        noted.push((
            key.to_path_buf(),
            format!("warning: --key {shown} is readable by other users (mode {mode:04o}); anyone who reads it can act as this client: `chmod 600 {shown}`"),
        ));
    }
}

/// The warnings about the keys this command used, for the end of a
/// command that succeeded.
pub fn key_warnings() -> Vec<String> {
    let noted = EXPOSED_KEYS.lock().unwrap_or_else(|p| p.into_inner());
    noted.iter().map(|(_, w)| w.clone()).collect()
}

/// What a TLS flag's file must hold.
#[derive(Debug, Clone, Copy)]
enum Pem {
    Certificate,
    PrivateKey,
}

/// Reads a TLS flag's file and checks it holds what the flag needs, so a
/// wrong file is named with its flag (the TLS stack's own error names
/// neither). The error never quotes the file's content.
fn read_pem(path: &Path, flag: &str, want: Pem) -> anyhow::Result<Vec<u8>> {
    let bytes = std::fs::read(path)
        .map_err(|e| usage(format!("cannot read {flag} {}: {e}", path.display())))?;
    let mut reader = bytes.as_slice();
    let holds = match want {
        Pem::Certificate => rustls_pemfile::certs(&mut reader)
            .next()
            .is_some_and(|c| c.is_ok()),
        Pem::PrivateKey => matches!(rustls_pemfile::private_key(&mut reader), Ok(Some(_))),
    };
    if holds {
        return Ok(bytes);
    }
    let (what, fix) = match want {
        Pem::Certificate => ("a PEM certificate", "pass the .pem certificate file"),
        Pem::PrivateKey => (
            "a PEM private key",
            "pass the key file made with --cert (NAME-key.pem from `mig certs`)",
        ),
    };
    Err(usage(format!(
        "{flag} {} does not hold {what}; {fix}",
        path.display()
    )))
}
