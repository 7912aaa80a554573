//! Reading a JSON Web Key Set into verification keys. Each key fixes its
//! algorithm: RS256 for an RSA key (2048 bits at least), ES256 for a P-256
//! key; a key the set says is for another use or algorithm is left out, as
//! are keys without a `kid` (tokens name their key by it).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

/// Why an issuer's key set could not be had; each keeps its cause.
#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    #[error("the request failed")]
    Request(#[source] reqwest::Error),
    #[error("the issuer answered {0}")]
    Status(reqwest::StatusCode),
    #[error("the answer broke off")]
    BrokeOff(#[source] reqwest::Error),
    #[error("cannot read the file")]
    Read(#[source] std::io::Error),
    #[error("the key set is larger than {0} bytes")]
    TooLarge(usize),
    #[error("not a JSON Web Key Set")]
    NotJwks(#[source] serde_json::Error),
    #[error("the key set holds no RS256 or ES256 signing key with a kid")]
    NoUsableKey,
}

/// A public key of a trusted issuer and the one algorithm it verifies.
pub struct VerifyingKey {
    pub algorithm: Algorithm,
    pub decoding: DecodingKey,
}

pub type KeyMap = HashMap<String, Arc<VerifyingKey>>;

#[derive(Deserialize)]
struct Set {
    keys: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    alg: Option<String>,
    n: Option<String>,
    e: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

/// The usable keys of a JWKS document by `kid`; an error when the document
/// is not a JWKS or holds no usable key (an issuer always has one, so that
/// is a broken answer, not a rotation).
pub fn parse(bytes: &[u8]) -> Result<KeyMap, JwksError> {
    let set: Set = serde_json::from_slice(bytes).map_err(JwksError::NotJwks)?;
    let mut keys = KeyMap::new();
    for value in set.keys {
        let Ok(jwk) = serde_json::from_value::<Jwk>(value) else {
            continue;
        };
        let kid = jwk.kid.clone();
        match (kid, key_of(&jwk)) {
            (Some(kid), Ok(key)) => match keys.entry(kid) {
                Entry::Occupied(taken) => log::warn!(
                    "the key set names kid '{}' twice: the first one is used",
                    taken.key()
                ),
                Entry::Vacant(free) => {
                    free.insert(Arc::new(key));
                }
            },
            (kid, Err(why)) => log::debug!("key {kid:?} left out: {why}"),
            (None, Ok(_)) => log::debug!("a key without a kid left out"),
        }
    }
    if keys.is_empty() {
        return Err(JwksError::NoUsableKey);
    }
    Ok(keys)
}

fn key_of(jwk: &Jwk) -> Result<VerifyingKey, String> {
    if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
        return Err("not a signing key".into());
    }
    let wants = |alg: &str| jwk.alg.as_deref().is_none_or(|a| a == alg);
    let bad = |e: jsonwebtoken::errors::Error| e.to_string();
    match (
        jwk.kty.as_str(),
        &jwk.n,
        &jwk.e,
        jwk.crv.as_deref(),
        &jwk.x,
        &jwk.y,
    ) {
        ("RSA", Some(n), Some(e), _, _, _) if wants("RS256") => {
            let modulus = URL_SAFE_NO_PAD
                .decode(n)
                .map_err(|_| "n is not base64url")?;
            let bits = modulus.iter().skip_while(|b| **b == 0).count() * 8;
            if bits < 2048 {
                return Err(format!("an RSA key of {bits} bits is too weak"));
            }
            Ok(VerifyingKey {
                algorithm: Algorithm::RS256,
                decoding: DecodingKey::from_rsa_components(n, e).map_err(bad)?,
            })
        }
        ("EC", _, _, Some("P-256"), Some(x), Some(y)) if wants("ES256") => Ok(VerifyingKey {
            algorithm: Algorithm::ES256,
            decoding: DecodingKey::from_ec_components(x, y).map_err(bad)?,
        }),
        (kty, ..) => Err(format!(
            "kty {kty} with alg {:?} is not RS256 or ES256 on P-256",
            jwk.alg
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rsa(bits: usize) -> serde_json::Value {
        let mut n = vec![0xc5u8; bits / 8];
        n[0] = 0xd1;
        json!({"kty": "RSA", "kid": "r", "n": URL_SAFE_NO_PAD.encode(n), "e": "AQAB"})
    }

    fn ec() -> serde_json::Value {
        json!({"kty": "EC", "kid": "e", "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode([1u8; 32]), "y": URL_SAFE_NO_PAD.encode([2u8; 32])})
    }

    fn parsed(keys: Vec<serde_json::Value>) -> Result<KeyMap, String> {
        parse(&serde_json::to_vec(&json!({ "keys": keys })).unwrap()).map_err(|e| e.to_string())
    }

    #[test]
    fn rsa_keys_verify_rs256_and_p256_keys_es256_only() {
        let keys = parsed(vec![rsa(2048), ec()]).unwrap();
        assert_eq!(keys["r"].algorithm, Algorithm::RS256);
        assert_eq!(keys["e"].algorithm, Algorithm::ES256);
    }

    #[test]
    fn entra_keys_without_alg_but_with_x5c_and_issuer_are_read() {
        let mut key = rsa(2048);
        key["use"] = json!("sig");
        key["x5t"] = json!("abc");
        key["x5c"] = json!(["MIIC"]);
        key["issuer"] = json!("https://login.microsoftonline.com/{tenantid}/v2.0");
        assert_eq!(parsed(vec![key]).unwrap().len(), 1);
    }

    #[test]
    fn keys_for_other_uses_algorithms_curves_or_too_weak_are_left_out() {
        let mut enc = rsa(2048);
        enc["use"] = json!("enc");
        let mut ps256 = rsa(2048);
        ps256["alg"] = json!("PS256");
        let mut hs = json!({"kty": "oct", "kid": "h", "k": "c2VjcmV0"});
        hs["alg"] = json!("HS256");
        let mut p384 = ec();
        p384["crv"] = json!("P-384");
        let mut no_kid = ec();
        no_kid.as_object_mut().unwrap().remove("kid");
        for key in [enc, ps256, hs, p384, rsa(1024), no_kid] {
            let err = parsed(vec![key.clone()]).err().unwrap();
            assert!(
                err.contains("no RS256 or ES256 signing key"),
                "{key}: {err}"
            );
        }
    }

    #[test]
    fn a_document_that_is_not_a_key_set_is_an_error() {
        assert!(
            parse(b"<html>")
                .err()
                .unwrap()
                .to_string()
                .contains("not a JSON Web Key Set")
        );
        assert!(parse(b"{}").is_err());
    }
}
