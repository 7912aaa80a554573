//! HMAC-SHA256 request signing as ACS defines it. Both sides use this
//! module: the server to verify, the outbound client to sign.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// `x-ms-content-sha256` of an empty body.
pub const EMPTY_CONTENT_HASH: &str = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

/// The headers the SDKs sign, in order.
pub const SIGNED_HEADERS: &str = "x-ms-date;host;x-ms-content-sha256";

/// base64(SHA-256(body)), over the raw bytes as sent.
pub fn content_hash(body: &[u8]) -> String {
    STANDARD.encode(Sha256::digest(body))
}

/// Whether `header` (base64, as `x-ms-content-sha256` carries it) is the
/// hash of `body`; compares the decoded bytes, allocating nothing.
pub fn content_hash_is(header: &str, body: &[u8]) -> bool {
    let mut sent = [0u8; 32];
    matches!(STANDARD.decode_slice(header.trim(), &mut sent), Ok(32))
        && sent == Sha256::digest(body).as_slice()
}

/// `VERB\npath?query\nvalue;value;…`, the values of the signed headers in
/// the order `SignedHeaders` names them.
pub fn string_to_sign(method: &str, path_and_query: &str, header_values: &[&str]) -> String {
    format!(
        "{}\n{}\n{}",
        method.to_ascii_uppercase(),
        path_and_query,
        header_values.join(";")
    )
}

pub fn sign(key: &[u8], string_to_sign: &str) -> String {
    STANDARD.encode(mac(key, string_to_sign).finalize().into_bytes())
}

/// Constant-time check of a decoded signature.
pub fn verify(key: &[u8], string_to_sign: &str, signature: &[u8]) -> bool {
    mac(key, string_to_sign).verify_slice(signature).is_ok()
}

fn mac(key: &[u8], string_to_sign: &str) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(string_to_sign.as_bytes());
    mac
}

/// `Authorization: HMAC-SHA256 SignedHeaders=…&Signature=…`
pub fn authorization(signature: &str) -> String {
    format!("HMAC-SHA256 SignedHeaders={SIGNED_HEADERS}&Signature={signature}")
}

/// A parsed `Authorization` header.
#[derive(Debug, PartialEq, Eq)]
pub struct Authorization {
    /// Lowercase header names.
    pub signed_headers: Vec<String>,
    pub signature: Vec<u8>,
}

impl Authorization {
    pub fn parse(header: &str) -> Option<Authorization> {
        let (scheme, params) = header.trim().split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("HMAC-SHA256") {
            return None;
        }
        let mut signed_headers = None;
        let mut signature = None;
        for part in params.trim().split('&') {
            let (name, value) = part.split_once('=')?;
            match name.trim().to_ascii_lowercase().as_str() {
                "signedheaders" => {
                    signed_headers = Some(
                        value
                            .split(';')
                            .map(|h| h.trim().to_ascii_lowercase())
                            .collect::<Vec<_>>(),
                    )
                }
                "signature" => signature = Some(STANDARD.decode(value.trim()).ok()?),
                _ => return None,
            }
        }
        Some(Authorization {
            signed_headers: signed_headers?,
            signature: signature?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_known_answer_vector_from_a_captured_request_is_reproduced() {
        let key = STANDARD
            .decode("c3VwZXItc2VjcmV0LWFjcy1hY2Nlc3Mta2V5LTMyYnk=")
            .unwrap();
        let sts = string_to_sign(
            "POST",
            "/identities?api-version=2023-10-01",
            &[
                "Sat, 21 Nov 2026 05:11:56 GMT",
                "127.0.0.1:8089",
                EMPTY_CONTENT_HASH,
            ],
        );
        assert_eq!(
            sts,
            "POST\n/identities?api-version=2023-10-01\nSat, 21 Nov 2026 05:11:56 GMT;127.0.0.1:8089;47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        assert_eq!(
            sign(&key, &sts),
            "y/cfxLn0gyfaPNuNBMCDZZinE1FP9jSzWZ58dFHRqow="
        );
        let sig = STANDARD
            .decode("y/cfxLn0gyfaPNuNBMCDZZinE1FP9jSzWZ58dFHRqow=")
            .unwrap();
        assert!(verify(&key, &sts, &sig));
        assert!(!verify(&key, &sts.replace("8089", "8090"), &sig));
    }

    #[test]
    fn the_empty_body_hash_is_the_documented_one() {
        assert_eq!(content_hash(b""), EMPTY_CONTENT_HASH);
    }

    #[test]
    fn authorization_headers_are_parsed_and_bad_ones_refused() {
        let a = Authorization::parse(&authorization("AAEC")).unwrap();
        assert_eq!(
            a.signed_headers,
            ["x-ms-date", "host", "x-ms-content-sha256"]
        );
        assert_eq!(a.signature, [0, 1, 2]);
        assert!(Authorization::parse("Bearer abc").is_none());
        assert!(Authorization::parse("HMAC-SHA256 SignedHeaders=host").is_none());
        assert!(Authorization::parse("HMAC-SHA256 SignedHeaders=host&Signature=***").is_none());
    }
}
