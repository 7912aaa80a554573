//! TLS to PostgreSQL: the database URL's `sslmode` and `sslrootcert`, and a
//! rustls connector (aws-lc-rs) that always verifies the server's certificate
//! and host name when TLS is used.
//!
//! tokio-postgres rejects parameters it does not know, so `sslrootcert` is
//! taken out of the URL here, and libpq's `verify-ca` and `verify-full` become
//! `require` (which, here, verifies). Without `sslmode` the connection is
//! plain TCP, unless `sslrootcert` is given, which implies `require`.

use super::StoreError;
use percent_encoding::percent_decode_str;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};
use std::sync::Arc;
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

/// The database URL once the parameters tokio-postgres does not know are out.
#[derive(Debug, PartialEq, Eq)]
struct Split {
    /// What tokio-postgres parses. It may hold a password: never show it.
    url: String,
    /// `sslrootcert`, percent-decoded; `None` when absent.
    root_cert: Option<String>,
    ssl_mode_given: bool,
}

fn split(url: &str) -> Result<Split, StoreError> {
    // Where tokio-postgres looks for parameters: the first `?` after the
    // credentials, which end at the first `@`.
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let after_credentials = url[after_scheme..]
        .find('@')
        .map_or(after_scheme, |i| after_scheme + i + 1);
    let Some(question) = url[after_credentials..].find('?') else {
        return Ok(Split {
            url: url.to_owned(),
            root_cert: None,
            ssl_mode_given: false,
        });
    };
    let (base, query) = url.split_at(after_credentials + question);
    let mut kept = Vec::new();
    let mut root_cert = None;
    let mut ssl_mode_given = false;
    for pair in query[1..].split('&') {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        match percent_decode_str(raw_key).decode_utf8_lossy().as_ref() {
            "sslrootcert" => {
                let value = percent_decode_str(raw_value).decode_utf8().map_err(|_| {
                    StoreError::Unavailable(
                        "the sslrootcert of the database URL is not UTF-8: give the path of a PEM file.".into(),
                    )
                })?;
                root_cert = Some(value.into_owned());
            }
            "sslmode" => {
                ssl_mode_given = true;
                match percent_decode_str(raw_value).decode_utf8_lossy().as_ref() {
                    "verify-ca" | "verify-full" => kept.push("sslmode=require"),
                    _ => kept.push(pair),
                }
            }
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok(Split {
        url,
        root_cert,
        ssl_mode_given,
    })
}

/// The connection settings of a database URL, and the TLS connector they
/// need (`None` with `sslmode=disable`, the default).
pub(super) fn configure(
    url: &str,
) -> Result<(tokio_postgres::Config, Option<MakeRustlsConnect>), StoreError> {
    let split = split(url)?;
    let mut config: tokio_postgres::Config = split.url.parse().map_err(|e| {
        // The cause names the parameter, never a value.
        let cause = std::error::Error::source(&e).map_or(String::new(), |c| format!(": {c}"));
        StoreError::Unavailable(format!("the database URL is invalid{cause}"))
    })?;
    if !split.ssl_mode_given {
        config.ssl_mode(if split.root_cert.is_some() {
            SslMode::Require
        } else {
            SslMode::Disable
        });
    }
    if config.get_ssl_mode() == SslMode::Disable {
        return Ok((config, None));
    }
    let roots = match split.root_cert.as_deref() {
        None | Some("" | "system") => system_roots()?,
        Some(path) => file_roots(path)?,
    };
    Ok((config, Some(connector(roots)?)))
}

fn connector(roots: RootCertStore) -> Result<MakeRustlsConnect, StoreError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Internal(format!("cannot set up TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // What PostgreSQL 17 requires with `sslnegotiation=direct`; older servers ignore it.
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(MakeRustlsConnect::new(config))
}

const FIX_ROOT_CERT: &str = "Set sslrootcert in the database URL to a readable PEM file of the \
     certificate authorities that signed the server's certificate, or leave it out to use \
     the system's trust store.";

fn file_roots(path: &str) -> Result<RootCertStore, StoreError> {
    let fail = |what: String| {
        StoreError::Unavailable(format!("sslrootcert {path:?} {what}. {FIX_ROOT_CERT}"))
    };
    let pem = std::fs::read(path).map_err(|e| fail(format!("cannot be read: {e}")))?;
    let mut roots = RootCertStore::empty();
    for (n, cert) in CertificateDer::pem_slice_iter(&pem).enumerate() {
        let cert = cert.map_err(|e| fail(format!("is not valid PEM: {e}")))?;
        roots.add(cert).map_err(|e| {
            fail(format!(
                "has an invalid certificate (number {}): {e}",
                n + 1
            ))
        })?;
    }
    if roots.is_empty() {
        return Err(fail(
            "holds no certificate (-----BEGIN CERTIFICATE-----)".into(),
        ));
    }
    Ok(roots)
}

fn system_roots() -> Result<RootCertStore, StoreError> {
    let found = rustls_native_certs::load_native_certs();
    for error in &found.errors {
        log::warn!("while loading the system's CA certificates: {error}");
    }
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(found.certs);
    if roots.is_empty() {
        return Err(StoreError::Unavailable(
            "TLS to the database needs CA certificates, and the system's trust store has none. \
             Install them (ca-certificates), point SSL_CERT_FILE at a PEM bundle, or set \
             sslrootcert=FILE in the database URL."
                .into(),
        ));
    }
    Ok(roots)
}

/// A connection error with its causes (tokio-postgres shows only its kind),
/// and what to do when the server's certificate was refused.
pub(super) fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut refused = false;
    let mut cause = error.source();
    while let Some(e) = cause {
        let shown = e.to_string();
        if !text.contains(&shown) {
            text = format!("{text}: {shown}");
        }
        // An io::Error shows the error it wraps but skips it as a source.
        let inner = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref());
        let inner = inner.map_or(e, |inner| inner as &(dyn std::error::Error + 'static));
        refused |= matches!(
            inner.downcast_ref::<rustls::Error>(),
            Some(rustls::Error::InvalidCertificate(_))
        );
        cause = e.source();
    }
    if refused {
        text.push_str(
            ". commid verifies the server's certificate and host name: give the certificate \
             authority that signed it with sslrootcert=FILE in the database URL, and connect \
             by a name the certificate is for",
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(result: Result<impl Sized, StoreError>) -> String {
        match result {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn sslrootcert_is_taken_out_and_the_rest_parses() {
        let url = "postgres://app:p%40ss?w@db.example.com:6432/commid?sslmode=verify-full\
                   &sslrootcert=%2Fetc%2Fcommid%2Fca%20bundle.pem&application_name=x";
        let split = split(url).unwrap();
        assert_eq!(
            split,
            Split {
                url: "postgres://app:p%40ss?w@db.example.com:6432/commid\
                      ?sslmode=require&application_name=x"
                    .into(),
                root_cert: Some("/etc/commid/ca bundle.pem".into()),
                ssl_mode_given: true,
            }
        );
        let config: tokio_postgres::Config = split.url.parse().unwrap();
        assert_eq!(config.get_user(), Some("app"));
        assert_eq!(config.get_password(), Some(&b"p@ss?w"[..]));
        assert_eq!(config.get_dbname(), Some("commid"));
        assert_eq!(config.get_ports(), [6432]);
        assert_eq!(config.get_ssl_mode(), SslMode::Require);
    }

    #[test]
    fn the_ssl_mode_defaults_to_disable_or_with_sslrootcert_to_require() {
        let (config, tls) = configure("postgres://u@h/db").unwrap();
        assert_eq!(config.get_ssl_mode(), SslMode::Disable);
        assert!(tls.is_none());
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        let made = rcgen::generate_simple_self_signed(vec!["h".into()]).unwrap();
        std::fs::write(&ca, made.cert.pem()).unwrap();
        let url = format!("postgres://u@h/db?sslrootcert={}", ca.display());
        let (config, tls) = configure(&url).unwrap();
        assert_eq!(config.get_ssl_mode(), SslMode::Require);
        assert!(tls.is_some());
        let (config, _) = configure("postgres://u@h/db?sslmode=prefer").unwrap();
        assert_eq!(config.get_ssl_mode(), SslMode::Prefer);
        let only = split("postgres://u@h/db?sslrootcert=/ca.pem").unwrap();
        assert_eq!(only.url, "postgres://u@h/db");
        assert!(!only.ssl_mode_given);
    }

    #[test]
    fn a_missing_ca_file_says_how_to_fix_it_and_hides_the_url() {
        let url = "postgres://u:hunter2@h/db?sslmode=require&sslrootcert=/nonexistent/ca.pem";
        let text = message(configure(url));
        assert!(
            text.contains("\"/nonexistent/ca.pem\" cannot be read"),
            "{text}"
        );
        assert!(
            text.contains("Set sslrootcert in the database URL"),
            "{text}"
        );
        assert!(
            !text.contains("hunter2") && !text.contains("postgres://"),
            "{text}"
        );
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let bad = dir.path().join("bad.pem");
        std::fs::write(
            &bad,
            "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let text = message(file_roots(empty.to_str().unwrap()));
        assert!(text.contains("holds no certificate"), "{text}");
        let text = message(file_roots(bad.to_str().unwrap()));
        assert!(text.contains("is not valid PEM"), "{text}");
    }

    #[test]
    fn disable_ignores_sslrootcert_and_bad_values_are_refused() {
        let url = "postgres://u@h/db?sslmode=disable&sslrootcert=/nonexistent/ca.pem";
        assert!(configure(url).unwrap().1.is_none());
        let text = message(configure("postgres://u:hunter2@h/db?sslmode=allow"));
        assert!(
            text.contains("sslmode") && !text.contains("hunter2"),
            "{text}"
        );
    }
}
