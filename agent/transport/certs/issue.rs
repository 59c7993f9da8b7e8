//! Making certificates: `init` (a new CA with an empty revocation list, the
//! agent's certificate and client certificates), `issue` (one more from an
//! existing CA) and `renew` (the same subject, names and usage, a new key
//! and a new lifetime).

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use time::{Duration, OffsetDateTime};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

use super::{
    check_name, crl, pem_block, read_text, serial, write_all_new, write_file, Ca, CertError,
    ClientSpec, Generated, Lifetimes, Mode, Output, Replace,
};

/// A certificate to issue from an existing CA.
#[derive(Debug, Clone)]
pub enum Subject {
    /// An agent's certificate, valid for these host names and addresses.
    Agent {
        name: String,
        hosts: Vec<String>,
    },
    Client(ClientSpec),
}

/// What a renewal replaced.
#[derive(Debug)]
pub struct Renewed {
    pub files: Vec<PathBuf>,
    pub not_after: OffsetDateTime,
    /// The previous certificate's serial (hex), when it was revoked too.
    pub revoked: Option<String>,
}

/// Whether a renewal also revokes the certificate it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeOld {
    No,
    Yes,
}

fn named(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn.push(DnType::OrganizationName, "mig");
    dn
}

/// Validity from an hour ago (clocks drift) for `days`, never past `limit`.
fn validity(params: &mut CertificateParams, days: u32, limit: Option<OffsetDateTime>) {
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::hours(1);
    let end = now + Duration::days(i64::from(days));
    params.not_after = limit.map_or(end, |l| end.min(l));
}

/// A leaf certificate and its new key, as PEM text.
fn leaf(
    ca: &Ca,
    cn: &str,
    sans: Vec<String>,
    usage: ExtendedKeyUsagePurpose,
    days: u32,
) -> Result<(String, String), CertError> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(sans)?;
    params.distinguished_name = named(cn);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![usage];
    params.serial_number = Some(serial());
    validity(&mut params, days, Some(ca.not_after));
    let cert = params.signed_by(&key, &ca.issuer)?;
    Ok((cert.pem(), key.serialize_pem()))
}

fn pair(dir: &Path, name: &str, (cert, key): (String, String)) -> [Output; 2] {
    [
        Output {
            path: dir.join(format!("{name}.pem")),
            text: cert,
            mode: Mode::Public,
        },
        Output {
            path: dir.join(format!("{name}-key.pem")),
            text: key,
            mode: Mode::Secret,
        },
    ]
}

fn subject_pair(dir: &Path, ca: &Ca, s: &Subject, days: u32) -> Result<[Output; 2], CertError> {
    let (name, sans, usage) = match s {
        Subject::Agent { name, hosts } => {
            if hosts.is_empty() {
                return Err(CertError::Invalid(
                    "no host names for the agent certificate; pass --host NAME (e.g. --host localhost --host 127.0.0.1)".into(),
                ));
            }
            (name, hosts.clone(), ExtendedKeyUsagePurpose::ServerAuth)
        }
        Subject::Client(c) => (
            &c.name,
            vec![c.name.clone()],
            ExtendedKeyUsagePurpose::ClientAuth,
        ),
    };
    check_name(name)?;
    Ok(pair(dir, name, leaf(ca, name, sans, usage, days)?))
}

fn new_ca(lifetimes: Lifetimes) -> Result<(Ca, String, String), CertError> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    // A name of its own: two sites' CAs are told apart (and a certificate
    // from the other one is "unknown issuer", not a bad signature).
    let id: [u8; 4] = rand::random();
    params.distinguished_name = named(&format!("mig private CA {}", hex::encode(id)));
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.serial_number = Some(serial());
    validity(&mut params, lifetimes.ca_days, None);
    let cert = params.self_signed(&key)?;
    let key_pem = key.serialize_pem();
    let not_after = params.not_after;
    let ca = Ca {
        issuer: Issuer::new(params, key),
        not_after,
    };
    Ok((ca, cert.pem(), key_pem))
}

/// A new CA, an empty revocation list, the agent's certificate (`agent.pem`,
/// for `hosts`) and one certificate per client, into `dir` (created if
/// missing). Refuses before writing anything if any target file exists.
pub fn init(
    dir: &Path,
    hosts: &[String],
    clients: &[ClientSpec],
    lifetimes: Lifetimes,
) -> Result<Generated, CertError> {
    lifetimes.check()?;
    let mut names = vec!["agent"];
    for c in clients {
        if names.contains(&c.name.as_str()) {
            return Err(CertError::Invalid(format!(
                "{:?} is named twice; each certificate needs its own name",
                c.name
            )));
        }
        names.push(&c.name);
    }
    let (ca, ca_pem, ca_key) = new_ca(lifetimes)?;
    let mut outputs = vec![
        Output {
            path: dir.join("ca.pem"),
            text: ca_pem,
            mode: Mode::Public,
        },
        Output {
            path: dir.join("ca-key.pem"),
            text: ca_key,
            mode: Mode::Secret,
        },
        Output {
            path: dir.join("crl.pem"),
            text: crl::empty(&ca)?,
            mode: Mode::Public,
        },
    ];
    let agent = Subject::Agent {
        name: "agent".into(),
        hosts: hosts.to_vec(),
    };
    outputs.extend(subject_pair(dir, &ca, &agent, lifetimes.leaf_days)?);
    for c in clients {
        let s = Subject::Client(c.clone());
        outputs.extend(subject_pair(dir, &ca, &s, lifetimes.leaf_days)?);
    }
    write_all_new(dir, outputs)
}

/// One more certificate from the CA in `dir`, valid for `days` (never past
/// the CA's own end). Refuses to overwrite.
pub fn issue(dir: &Path, subject: &Subject, days: u32) -> Result<Generated, CertError> {
    Lifetimes {
        leaf_days: days,
        ..Lifetimes::default()
    }
    .check()?;
    let ca = Ca::load(dir)?;
    let outputs = subject_pair(dir, &ca, subject, days)?;
    write_all_new(dir, outputs.into())
}

/// What a certificate names and is for, read back for a renewal.
struct Existing {
    cn: String,
    sans: Vec<String>,
    usage: ExtendedKeyUsagePurpose,
    serial: Vec<u8>,
}

fn read_existing(path: &Path) -> Result<Existing, CertError> {
    let text = read_text(
        path,
        "pass the name of a certificate in this folder (NAME for NAME.pem)",
    )?;
    let bad = || CertError::Parse {
        path: path.to_path_buf(),
        what: "certificate",
        hint: "renew only what `mig certs` issued",
    };
    let der = pem_block(text.as_bytes(), "CERTIFICATE").ok_or_else(bad)?;
    let (_, x509) = X509Certificate::from_der(&der).map_err(|_| bad())?;
    let cn = x509
        .subject()
        .iter_common_name()
        .next()
        .and_then(|c| c.as_str().ok())
        .ok_or_else(bad)?
        .to_string();
    let sans = x509
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|s| {
            s.value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::DNSName(d) => Some(d.to_string()),
                    GeneralName::IPAddress(b) => ip_text(b),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let eku = x509
        .extended_key_usage()
        .ok()
        .flatten()
        .map(|e| e.value.clone());
    let usage = match eku {
        Some(e) if e.server_auth => ExtendedKeyUsagePurpose::ServerAuth,
        Some(e) if e.client_auth => ExtendedKeyUsagePurpose::ClientAuth,
        _ => return Err(bad()),
    };
    Ok(Existing {
        cn,
        sans,
        usage,
        serial: x509.serial.to_bytes_be(),
    })
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    let ip: std::net::IpAddr = match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok()?.into(),
        16 => <[u8; 16]>::try_from(bytes).ok()?.into(),
        _ => return None,
    };
    Some(ip.to_string())
}

/// Replaces `NAME.pem` and `NAME-key.pem` in `dir` with a certificate for
/// the same subject, names and usage, a new key, valid for `days`. The key
/// is replaced first: a reader that sees the new certificate sees its key.
pub fn renew(
    dir: &Path,
    name: &str,
    days: u32,
    revoke_old: RevokeOld,
) -> Result<Renewed, CertError> {
    check_name(name)?;
    Lifetimes {
        leaf_days: days,
        ..Lifetimes::default()
    }
    .check()?;
    let ca = Ca::load(dir)?;
    let cert_path = dir.join(format!("{name}.pem"));
    let old = read_existing(&cert_path)?;
    let (cert, key) = leaf(&ca, &old.cn, old.sans, old.usage, days)?;
    let key_path = dir.join(format!("{name}-key.pem"));
    write_file(&key_path, &key, Mode::Secret, Replace::Atomically)?;
    write_file(&cert_path, &cert, Mode::Public, Replace::Atomically)?;
    let mut files = vec![cert_path, key_path];
    let revoked = match revoke_old {
        RevokeOld::No => None,
        RevokeOld::Yes => {
            let r = crl::add(dir, &ca, &old.serial)?;
            files.push(r.file.clone());
            Some(r.serial)
        }
    };
    let not_after = OffsetDateTime::now_utc() + Duration::days(i64::from(days));
    Ok(Renewed {
        files,
        not_after: not_after.min(ca.not_after),
        revoked,
    })
}
