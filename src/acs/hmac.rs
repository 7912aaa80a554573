//! HMAC-SHA256 request signing as ACS defines it. Both sides use this
//! module: the server to verify, the outbound client to sign.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

pub type HmacSha256 = Hmac<Sha256>;

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

/// Whether `signature` is the HMAC, under the key `prepared` was made
/// with (see [`crate::domain::AccessKey::mac`]), of the string to sign of
/// `method`, `path_and_query` and `header_values`: what
/// [`string_to_sign`] writes, fed to the MAC piece by piece. Constant time.
pub fn verify_request(
    prepared: &HmacSha256,
    method: &str,
    path_and_query: &str,
    header_values: &[&str],
    signature: &[u8],
) -> bool {
    let mut mac = prepared.clone();
    if method.bytes().any(|b| b.is_ascii_lowercase()) {
        mac.update(method.to_ascii_uppercase().as_bytes());
    } else {
        mac.update(method.as_bytes());
    }
    mac.update(b"\n");
    mac.update(path_and_query.as_bytes());
    mac.update(b"\n");
    for (i, value) in header_values.iter().enumerate() {
        if i > 0 {
            mac.update(b";");
        }
        mac.update(value.as_bytes());
    }
    mac.verify_slice(signature).is_ok()
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

/// A parsed `Authorization` header, borrowing the header's text.
#[derive(Debug, PartialEq, Eq)]
pub struct Authorization<'a> {
    /// `SignedHeaders`' value: names separated by `;`, any case
    /// ([`Self::signed_headers`]).
    signed_headers: &'a str,
    pub signature: Signature,
}

/// A decoded signature: an HMAC-SHA256 is 32 bytes; a longer one, which no
/// key matches, is kept whole so that it is refused as a wrong key.
#[derive(Debug, PartialEq, Eq)]
pub enum Signature {
    Short([u8; 32], usize),
    Long(Vec<u8>),
}

impl std::ops::Deref for Signature {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Signature::Short(bytes, len) => &bytes[..*len],
            Signature::Long(bytes) => bytes,
        }
    }
}

impl<'a> Authorization<'a> {
    pub fn parse(header: &'a str) -> Option<Authorization<'a>> {
        let (scheme, params) = header.trim().split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("HMAC-SHA256") {
            return None;
        }
        let mut signed_headers = None;
        let mut signature = None;
        for part in params.trim().split('&') {
            let (name, value) = part.split_once('=')?;
            let name = name.trim();
            if name.eq_ignore_ascii_case("signedheaders") {
                signed_headers = Some(value);
            } else if name.eq_ignore_ascii_case("signature") {
                signature = Some(decode_signature(value.trim())?);
            } else {
                return None;
            }
        }
        Some(Authorization {
            signed_headers: signed_headers?,
            signature: signature?,
        })
    }

    /// The signed headers' names, trimmed, in the order given; compare
    /// them ignoring ASCII case.
    pub fn signed_headers(&self) -> impl Iterator<Item = &'a str> + Clone + use<'a> {
        self.signed_headers.split(';').map(str::trim)
    }

    /// Whether `name` (lowercase) is among the signed headers.
    pub fn signs(&self, name: &str) -> bool {
        self.signed_headers().any(|h| h.eq_ignore_ascii_case(name))
    }
}

fn decode_signature(text: &str) -> Option<Signature> {
    let mut bytes = [0u8; 32];
    match STANDARD.decode_slice(text, &mut bytes) {
        Ok(len) => Some(Signature::Short(bytes, len)),
        Err(base64::DecodeSliceError::OutputSliceTooSmall) => {
            STANDARD.decode(text).ok().map(Signature::Long)
        }
        Err(base64::DecodeSliceError::DecodeError(_)) => None,
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
    fn a_request_is_verified_against_the_string_to_sign_it_was_signed_over() {
        let key = b"the key";
        let values = [
            "Sat, 21 Nov 2026 05:11:56 GMT",
            "h:8089",
            EMPTY_CONTENT_HASH,
        ];
        let sts = string_to_sign("POST", "/identities?api-version=1", &values);
        let signature = STANDARD.decode(sign(key, &sts)).unwrap();
        let prepared = HmacSha256::new_from_slice(key).unwrap();
        for method in ["POST", "post"] {
            assert!(verify_request(
                &prepared,
                method,
                "/identities?api-version=1",
                &values,
                &signature
            ));
        }
        assert!(!verify_request(
            &prepared,
            "PUT",
            "/identities?api-version=1",
            &values,
            &signature
        ));
        assert!(!verify_request(
            &prepared,
            "POST",
            "/identities?api-version=1",
            &values[..2],
            &signature
        ));
        let other = HmacSha256::new_from_slice(b"another key").unwrap();
        assert!(!verify_request(
            &other,
            "POST",
            "/identities?api-version=1",
            &values,
            &signature
        ));
    }

    #[test]
    fn the_empty_body_hash_is_the_documented_one() {
        assert_eq!(content_hash(b""), EMPTY_CONTENT_HASH);
    }

    #[test]
    fn authorization_headers_are_parsed_and_bad_ones_refused() {
        let header = authorization("AAEC");
        let a = Authorization::parse(&header).unwrap();
        assert_eq!(
            a.signed_headers().collect::<Vec<_>>(),
            ["x-ms-date", "host", "x-ms-content-sha256"]
        );
        assert_eq!(*a.signature, [0, 1, 2]);
        let long = STANDARD.encode([7u8; 40]);
        let header = format!("hmac-sha256 signedheaders=Host ; X-MS-Date&SIGNATURE={long}");
        let a = Authorization::parse(&header).unwrap();
        assert!(a.signs("host") && a.signs("x-ms-date") && !a.signs("date"));
        assert_eq!(*a.signature, [7u8; 40]);
        assert!(Authorization::parse("Bearer abc").is_none());
        assert!(Authorization::parse("HMAC-SHA256 SignedHeaders=host").is_none());
        assert!(Authorization::parse("HMAC-SHA256 SignedHeaders=host&Signature=***").is_none());
    }
}
