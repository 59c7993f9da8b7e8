//! `mig certs`: a private CA in one folder, and the certificates and
//! revocation list it signs, generated with rcgen (no openssl binary), so an
//! air-gapped site can run its own PKI with one tool. `issue.rs` makes
//! certificates (init, issue, renew), `crl.rs` the revocation list.
//!
//! The folder holds `ca.pem`, `ca-key.pem`, `crl.pem` and a `NAME.pem` /
//! `NAME-key.pem` pair per certificate. Keys are written mode 0600; a new
//! file never overwrites an existing one, a renewed one replaces its
//! predecessor by rename (a reader sees the old file or the new one).

mod crl;
mod issue;

use std::path::{Path, PathBuf};

use rcgen::{Issuer, KeyPair, SerialNumber};
use x509_parser::prelude::{FromDer, X509Certificate};

pub use crl::{revoke, Revoked};
pub use issue::{init, issue, renew, Renewed, RevokeOld, Subject};

use crate::config::{valid_name, Role};

/// Default lifetime of a CA certificate, in days (10 years).
pub const DEFAULT_CA_DAYS: u32 = 3650;
/// Default lifetime of an agent or client certificate, in days (1 year).
pub const DEFAULT_LEAF_DAYS: u32 = 365;
/// Longest lifetime accepted for any certificate (about 30 years).
const MAX_DAYS: u32 = 11_000;

#[derive(Debug, thiserror::Error)]
pub enum CertError {
    /// A request that cannot be carried out as given (a usage error).
    #[error("{0}")]
    Invalid(String),
    #[error("{path} already exists; choose another name or folder (existing certificates are never overwritten; `mig certs renew` replaces one)")]
    Exists { path: PathBuf },
    #[error("{path} not found: {hint}")]
    Missing { path: PathBuf, hint: &'static str },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a PEM {what}; {hint}")]
    Parse {
        path: PathBuf,
        what: &'static str,
        hint: &'static str,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("generating a certificate failed: {0}")]
    Generate(#[from] rcgen::Error),
}

/// How long new certificates are valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    pub ca_days: u32,
    pub leaf_days: u32,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            ca_days: DEFAULT_CA_DAYS,
            leaf_days: DEFAULT_LEAF_DAYS,
        }
    }
}

impl Lifetimes {
    fn check(&self) -> Result<(), CertError> {
        for (flag, days) in [("--ca-days", self.ca_days), ("--days", self.leaf_days)] {
            if days == 0 || days > MAX_DAYS {
                return Err(CertError::Invalid(format!(
                    "{flag} {days}: a lifetime is 1 to {MAX_DAYS} days"
                )));
            }
        }
        Ok(())
    }
}

/// A client certificate to issue: its identity (CN) and intended role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSpec {
    pub name: String,
    pub role: Role,
}

impl std::str::FromStr for ClientSpec {
    type Err = String;
    /// `NAME:ROLE`, e.g. `alice:operator` or `dashboard:viewer`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, role) = s.split_once(':').ok_or_else(|| {
            format!("{s:?}: write a client as NAME:ROLE (role operator or viewer)")
        })?;
        let role = match role {
            "operator" => Role::Operator,
            "viewer" => Role::Viewer,
            other => return Err(format!("unknown role {other:?}; use operator or viewer")),
        };
        check_name(name).map_err(|e| e.to_string())?;
        Ok(ClientSpec {
            name: name.to_string(),
            role,
        })
    }
}

/// A certificate name is also a file name in the folder.
fn check_name(name: &str) -> Result<(), CertError> {
    if !valid_name(name) || matches!(name, "ca" | "crl") || name.ends_with("-key") {
        return Err(CertError::Invalid(format!(
            "certificate name {name:?} may use only letters, digits, '-', '_' and '.', and may not be ca, crl or end in -key"
        )));
    }
    Ok(())
}

/// The `[access]` section of `agent.toml` giving each client its role.
pub fn access_snippet(clients: &[ClientSpec]) -> String {
    let list = |role: Role| {
        clients
            .iter()
            .filter(|c| c.role == role)
            .map(|c| format!("{:?}", c.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "[access]\noperators = [{}]\nviewers = [{}]",
        list(Role::Operator),
        list(Role::Viewer)
    )
}

/// The files written or replaced, in order.
#[derive(Debug)]
pub struct Generated {
    pub files: Vec<PathBuf>,
}

/// The CA of a folder: its certificate (for the issuer's name) and key.
struct Ca {
    issuer: Issuer<'static, KeyPair>,
    /// When the CA certificate expires (no certificate outlives it).
    not_after: time::OffsetDateTime,
}

impl Ca {
    fn load(dir: &Path) -> Result<Ca, CertError> {
        let hint =
            "run `mig certs init` first, or pass the folder that holds ca.pem and ca-key.pem";
        let cert_path = dir.join("ca.pem");
        let key_path = dir.join("ca-key.pem");
        let cert = read_text(&cert_path, hint)?;
        let key = read_text(&key_path, hint)?;
        let bad = |path: &Path, what| CertError::Parse {
            path: path.to_path_buf(),
            what,
            hint: "restore it from the CA's backup",
        };
        let key = KeyPair::from_pem(&key).map_err(|_| bad(&key_path, "private key"))?;
        let der = pem_block(cert.as_bytes(), "CERTIFICATE")
            .ok_or_else(|| bad(&cert_path, "certificate"))?;
        let (_, x509) =
            X509Certificate::from_der(&der).map_err(|_| bad(&cert_path, "certificate"))?;
        let not_after = x509.validity().not_after.to_datetime();
        let der = rustls::pki_types::CertificateDer::from(der);
        let issuer =
            Issuer::from_ca_cert_der(&der, key).map_err(|_| bad(&cert_path, "CA certificate"))?;
        Ok(Ca { issuer, not_after })
    }
}

/// The DER contents of the first PEM block labelled `label`.
pub fn pem_block(pem: &[u8], label: &str) -> Option<Vec<u8>> {
    x509_parser::pem::Pem::iter_from_buffer(pem)
        .map_while(Result::ok)
        .find(|p| p.label == label)
        .map(|p| p.contents)
}

/// A fresh random serial number (positive, 16 bytes).
fn serial() -> SerialNumber {
    let mut bytes: [u8; 16] = rand::random();
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    SerialNumber::from_slice(&bytes)
}

fn read_text(path: &Path, hint: &'static str) -> Result<String, CertError> {
    std::fs::read_to_string(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => CertError::Missing {
            path: path.to_path_buf(),
            hint,
        },
        _ => CertError::Read {
            path: path.to_path_buf(),
            source,
        },
    })
}

/// Whether a file holds a secret (written 0600) or not (0644).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Public,
    Secret,
}

/// One file to write.
struct Output {
    path: PathBuf,
    text: String,
    mode: Mode,
}

/// Writes new files, refusing before writing anything if one exists.
fn write_all_new(dir: &Path, outputs: Vec<Output>) -> Result<Generated, CertError> {
    if let Some(o) = outputs.iter().find(|o| o.path.exists()) {
        return Err(CertError::Exists {
            path: o.path.clone(),
        });
    }
    std::fs::create_dir_all(dir).map_err(|source| CertError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files = Vec::new();
    for o in outputs {
        write_file(&o.path, &o.text, o.mode, Replace::No)?;
        files.push(o.path);
    }
    Ok(Generated { files })
}

/// Whether a write may replace an existing file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Replace {
    No,
    /// Write beside it, then rename over it (readers see old or new).
    Atomically,
}

fn write_file(path: &Path, text: &str, mode: Mode, replace: Replace) -> Result<(), CertError> {
    use std::io::Write;
    let failed = |source| CertError::Write {
        path: path.to_path_buf(),
        source,
    };
    let target = match replace {
        Replace::No => path.to_path_buf(),
        Replace::Atomically => {
            let mut name = path.as_os_str().to_owned();
            name.push(".mig-tmp");
            let tmp = PathBuf::from(name);
            // A leftover from an interrupted run holds nothing of value.
            let _ = std::fs::remove_file(&tmp);
            tmp
        }
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(match mode {
            Mode::Secret => 0o600,
            Mode::Public => 0o644,
        });
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = opts.open(&target).map_err(failed)?;
    f.write_all(text.as_bytes()).map_err(failed)?;
    f.sync_all().map_err(failed)?;
    if replace == Replace::Atomically {
        std::fs::rename(&target, path).map_err(failed)?;
    }
    Ok(())
}
