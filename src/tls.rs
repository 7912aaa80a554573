//! TLS: a self-signed certificate authority and server certificate for
//! localhost, made in the data dir on first start, or the operator's own
//! certificate.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// What went wrong with the certificate files; each keeps its cause.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot create {}", .0.display())]
    CreateDir(PathBuf, #[source] std::io::Error),
    #[error("cannot read {}", .0.display())]
    Read(PathBuf, #[source] std::io::Error),
    #[error("cannot write {}", .0.display())]
    Write(PathBuf, #[source] std::io::Error),
    #[error("cannot make a certificate")]
    Certificate(#[source] rcgen::Error),
    #[error("{} is not a PEM certificate chain", .0.display())]
    NotCertificates(PathBuf, #[source] std::io::Error),
    #[error("{} holds no certificate", .0.display())]
    NoCertificate(PathBuf),
    #[error("{} is not a PEM private key", .0.display())]
    NotKey(PathBuf, #[source] std::io::Error),
    #[error("{} holds no private key", .0.display())]
    NoKey(PathBuf),
    #[error("the certificate and key do not fit together")]
    Mismatch(#[source] rustls::Error),
}

/// The files a server presents, and the one its clients should trust.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert_chain: PathBuf,
    pub key: PathBuf,
    pub trust: PathBuf,
}

/// The self-signed set in `dir/tls/`. The certificate authority (`ca.pem`,
/// what clients trust, and its key) is made once; the server certificate is
/// issued by it on every start for `localhost`, the loopback addresses and
/// `hosts` (the resources' endpoint hosts), so that a resource added since
/// the last start is covered after a restart without clients trusting
/// anything new.
pub fn self_signed(dir: &Path, hosts: &[String]) -> Result<TlsFiles, TlsError> {
    let tls = dir.join("tls");
    let files = TlsFiles {
        cert_chain: tls.join("server.pem"),
        key: tls.join("server.key"),
        trust: tls.join("ca.pem"),
    };
    let ca_key_file = tls.join("ca.key");
    std::fs::create_dir_all(&tls).map_err(|e| TlsError::CreateDir(tls.clone(), e))?;
    let fail = TlsError::Certificate;
    let now = OffsetDateTime::now_utc();

    let existing = match (
        std::fs::read_to_string(&ca_key_file),
        std::fs::read_to_string(&files.trust),
    ) {
        (Ok(key), Ok(cert)) => Some((KeyPair::from_pem(&key).map_err(fail)?, cert)),
        _ => None,
    };
    let (ca_key, ca_pem) = match existing {
        Some(found) => found,
        None => {
            let key = KeyPair::generate().map_err(fail)?;
            let mut params = ca_params();
            params.not_before = now - Duration::days(1);
            params.not_after = now + Duration::days(3650);
            let cert = params.self_signed(&key).map_err(fail)?;
            write(&ca_key_file, &key.serialize_pem(), true)?;
            write(&files.trust, &cert.pem(), false)?;
            (key, cert.pem())
        }
    };
    // The same subject and key as the stored CA certificate, so what it
    // signs chains to that certificate.
    let issuer = Issuer::new(ca_params(), ca_key);

    let key = KeyPair::generate().map_err(fail)?;
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    for host in hosts {
        if !names.contains(host) {
            names.push(host.clone());
        }
    }
    let mut leaf = CertificateParams::new(names).map_err(fail)?;
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    leaf.not_before = now - Duration::days(1);
    leaf.not_after = now + Duration::days(825);
    let leaf_cert = leaf.signed_by(&key, &issuer).map_err(fail)?;

    write(&files.key, &key.serialize_pem(), true)?;
    write(
        &files.cert_chain,
        &format!("{}{}", leaf_cert.pem(), ca_pem),
        false,
    )?;
    Ok(files)
}

fn ca_params() -> CertificateParams {
    let mut ca = CertificateParams::default();
    ca.distinguished_name
        .push(DnType::CommonName, "commid local CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca
}

fn write(path: &Path, contents: &str, private: bool) -> Result<(), TlsError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let _ = private;
    options
        .open(path)
        .and_then(|mut f| f.write_all(contents.as_bytes()))
        .map_err(|e| TlsError::Write(path.to_owned(), e))
}

/// A rustls server configuration from PEM files.
pub fn server_config(cert_chain: &Path, key: &Path) -> Result<rustls::ServerConfig, TlsError> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| TlsError::Read(p.to_owned(), e));
    let certs = rustls_pemfile::certs(&mut read(cert_chain)?.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::NotCertificates(cert_chain.to_owned(), e))?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate(cert_chain.to_owned()));
    }
    let key = rustls_pemfile::private_key(&mut read(key)?.as_slice())
        .map_err(|e| TlsError::NotKey(key.to_owned(), e))?
        .ok_or_else(|| TlsError::NoKey(key.to_owned()))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Mismatch)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(TlsError::Mismatch)
}
