//! The revocation list (`crl.pem`) of a folder's CA: written empty by
//! `init`, grown by `revoke` (and `renew --revoke-old`), re-signed each time
//! with the next CRL number. Agents load it through `[tls] crl`; rustls
//! checks it at every handshake.

use std::path::{Path, PathBuf};

use rcgen::{CertificateRevocationListParams, KeyIdMethod, RevokedCertParams, SerialNumber};
use time::OffsetDateTime;
use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::CertificateRevocationList;

use super::{check_name, pem_block, read_text, write_file, Ca, CertError, Mode, Replace};

/// What `revoke` did.
#[derive(Debug)]
pub struct Revoked {
    pub file: PathBuf,
    /// The revoked certificate's serial, in hex.
    pub serial: String,
    /// How many certificates the list now revokes.
    pub entries: usize,
    /// The certificate was already on the list (nothing changed).
    pub already: bool,
}

/// A list revoking `revoked`, numbered `number`, valid until the CA ends
/// (the list is re-issued whenever something is revoked).
fn signed(ca: &Ca, number: u64, revoked: Vec<RevokedCertParams>) -> Result<String, CertError> {
    let params = CertificateRevocationListParams {
        this_update: OffsetDateTime::now_utc(),
        next_update: ca.not_after,
        crl_number: SerialNumber::from(number),
        issuing_distribution_point: None,
        revoked_certs: revoked,
        key_identifier_method: KeyIdMethod::Sha256,
    };
    Ok(params.signed_by(&ca.issuer)?.pem()?)
}

/// An empty list for a new CA.
pub(super) fn empty(ca: &Ca) -> Result<String, CertError> {
    signed(ca, 1, Vec::new())
}

/// The entries and number of the folder's current list (none: empty, 0).
fn current(path: &Path) -> Result<(Vec<RevokedCertParams>, u64), CertError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(source) => {
            return Err(CertError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let bad = || CertError::Parse {
        path: path.to_path_buf(),
        what: "revocation list (X509 CRL)",
        hint: "restore it from a backup, or move it away to start a new list",
    };
    let der = pem_block(text.as_bytes(), "X509 CRL").ok_or_else(bad)?;
    let (_, crl) = CertificateRevocationList::from_der(&der).map_err(|_| bad())?;
    let entries = crl
        .iter_revoked_certificates()
        .map(|r| RevokedCertParams {
            serial_number: SerialNumber::from_slice(&r.serial().to_bytes_be()),
            revocation_time: r.revocation_date.to_datetime(),
            reason_code: None,
            invalidity_date: None,
        })
        .collect();
    let number = crl
        .crl_number()
        .map(|n| n.to_u64_digits())
        .and_then(|d| match d.as_slice() {
            [] => Some(0),
            [one] => Some(*one),
            _ => None,
        })
        .unwrap_or(0);
    Ok((entries, number))
}

/// Adds `serial` (big-endian bytes) to the folder's list, re-signed.
pub(super) fn add(dir: &Path, ca: &Ca, serial: &[u8]) -> Result<Revoked, CertError> {
    let file = dir.join("crl.pem");
    let (mut entries, number) = current(&file)?;
    let serial_number = SerialNumber::from_slice(serial);
    let already = entries.iter().any(|e| e.serial_number == serial_number);
    if !already {
        entries.push(RevokedCertParams {
            serial_number,
            revocation_time: OffsetDateTime::now_utc(),
            reason_code: None,
            invalidity_date: None,
        });
        let text = signed(ca, number + 1, entries.clone())?;
        write_file(&file, &text, Mode::Public, Replace::Atomically)?;
    }
    Ok(Revoked {
        file,
        serial: hex::encode(serial),
        entries: entries.len(),
        already,
    })
}

/// Revokes the certificate `NAME.pem` of the folder: its serial goes on the
/// folder's `crl.pem`. Agents whose `[tls] crl` is that file refuse it at
/// the next handshake once they reload it (on their own, within seconds).
pub fn revoke(dir: &Path, name: &str) -> Result<Revoked, CertError> {
    check_name(name)?;
    let ca = Ca::load(dir)?;
    let path = dir.join(format!("{name}.pem"));
    let text = read_text(
        &path,
        "pass the name of a certificate in this folder (NAME for NAME.pem)",
    )?;
    let bad = || CertError::Parse {
        path: path.clone(),
        what: "certificate",
        hint: "pass the name of a certificate this CA issued",
    };
    let der = pem_block(text.as_bytes(), "CERTIFICATE").ok_or_else(bad)?;
    let (_, x509) = x509_parser::certificate::X509Certificate::from_der(&der).map_err(|_| bad())?;
    add(dir, &ca, &x509.serial.to_bytes_be())
}
