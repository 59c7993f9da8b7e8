//! `mig certs init`: a private CA, an agent certificate and client
//! certificates, generated with rcgen (no openssl binary), so an air-gapped
//! site can start with two commands. Key files are written mode 0600.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};

use crate::config::{valid_name, Role};

#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("{0}")]
    Invalid(String),
    #[error("{path} already exists; choose an empty folder (existing certificates are never overwritten)")]
    Exists { path: PathBuf },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("generating a certificate failed: {0}")]
    Generate(#[from] rcgen::Error),
}

/// A client certificate to issue: its identity (CN) and intended role.
#[derive(Debug, Clone)]
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
        if !valid_name(name) {
            return Err(format!(
                "client name {name:?} may use only letters, digits, '-', '_' and '.'"
            ));
        }
        Ok(ClientSpec {
            name: name.to_string(),
            role,
        })
    }
}

/// The files written, in order.
pub struct Generated {
    pub files: Vec<PathBuf>,
}

fn named(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn.push(DnType::OrganizationName, "mig");
    dn
}

/// Generates everything into `dir` (created if missing). Refuses before
/// writing anything if any target file exists.
pub fn init(dir: &Path, hosts: &[String], clients: &[ClientSpec]) -> Result<Generated, CertError> {
    if hosts.is_empty() {
        return Err(CertError::Invalid(
            "no host names for the agent certificate; pass --host NAME (e.g. --host localhost --host 127.0.0.1)".into(),
        ));
    }
    let mut outputs: Vec<(PathBuf, String, bool)> = Vec::new();
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.distinguished_name = named("mig private CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key)?;
    outputs.push((dir.join("ca.pem"), ca_cert.pem(), false));
    outputs.push((dir.join("ca-key.pem"), ca_key.serialize_pem(), true));
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf = |cn: &str, sans: Vec<String>, usage: ExtendedKeyUsagePurpose| {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(sans)?;
        params.distinguished_name = named(cn);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![usage];
        let cert = params.signed_by(&key, &issuer)?;
        Ok::<_, rcgen::Error>((cert.pem(), key.serialize_pem()))
    };
    let (cert, key) = leaf(
        "mig-agent",
        hosts.to_vec(),
        ExtendedKeyUsagePurpose::ServerAuth,
    )?;
    outputs.push((dir.join("agent.pem"), cert, false));
    outputs.push((dir.join("agent-key.pem"), key, true));
    for c in clients {
        let (cert, key) = leaf(
            &c.name,
            vec![c.name.clone()],
            ExtendedKeyUsagePurpose::ClientAuth,
        )?;
        outputs.push((dir.join(format!("{}.pem", c.name)), cert, false));
        outputs.push((dir.join(format!("{}-key.pem", c.name)), key, true));
    }
    if let Some((path, _, _)) = outputs.iter().find(|(p, _, _)| p.exists()) {
        return Err(CertError::Exists { path: path.clone() });
    }
    std::fs::create_dir_all(dir).map_err(|source| CertError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files = Vec::new();
    for (path, text, secret) in outputs {
        write(&path, &text, secret).map_err(|source| CertError::Write {
            path: path.clone(),
            source,
        })?;
        files.push(path);
    }
    Ok(Generated { files })
}

fn write(path: &Path, text: &str, secret: bool) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(if secret { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}
