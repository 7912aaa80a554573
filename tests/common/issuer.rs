//! The tests' own OpenID Connect issuer: it makes RSA and P-256 keys,
//! publishes them as a JWKS from a local HTTP server (or a file), and mints
//! access tokens like Microsoft Entra's for Teams users.
#![allow(dead_code)]

use actix_web::{App, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use commid::config::TrustedIssuerEntry;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub const APP_ID: &str = "2c3e1e83-8fd7-4615-ad2b-b8c1229845ac";
pub const OID: &str = "32c0a5db-05ec-78ea-51ab-3f06b329397e";
pub const ISSUER: &str =
    "https://login.microsoftonline.com/9f3bd1b5-5c1a-4b8e-a2f0-6d4ad3c0a7e1/v2.0";
pub const AUDIENCE: &str = "https://auth.msft.communication.azure.com";

/// A signing key of the issuer and its public JWK.
pub struct Key {
    pub kid: String,
    pub algorithm: Algorithm,
    pub encoding: EncodingKey,
    pub jwk: Value,
    /// The public key in PEM, what an attacker can read too.
    pub public_pem: String,
}

impl Key {
    pub fn rsa(kid: &str) -> Key {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
        let (n, e) = rsa_public_components(pair.public_key_raw());
        Key {
            kid: kid.to_owned(),
            algorithm: Algorithm::RS256,
            encoding: EncodingKey::from_rsa_pem(pair.serialize_pem().as_bytes()).unwrap(),
            jwk: json!({"kty": "RSA", "use": "sig", "kid": kid, "n": B64.encode(n), "e": B64.encode(e)}),
            public_pem: pair.public_key_pem(),
        }
    }

    pub fn ec(kid: &str) -> Key {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let raw = pair.public_key_raw();
        Key {
            kid: kid.to_owned(),
            algorithm: Algorithm::ES256,
            encoding: EncodingKey::from_ec_pem(pair.serialize_pem().as_bytes()).unwrap(),
            jwk: json!({"kty": "EC", "crv": "P-256", "kid": kid,
                "x": B64.encode(&raw[1..33]), "y": B64.encode(&raw[33..65])}),
            public_pem: pair.public_key_pem(),
        }
    }

    /// A token signed by this key with `alg` of the key and `kid`.
    pub fn mint(&self, claims: &Value) -> String {
        let alg = format!("{:?}", self.algorithm);
        self.mint_with_header(&json!({"alg": alg, "kid": self.kid, "typ": "JWT"}), claims)
    }

    /// A token signed by this key with whatever header the test wants.
    pub fn mint_with_header(&self, header: &Value, claims: &Value) -> String {
        let message = format!("{}.{}", part(header), part(claims));
        let signature =
            jsonwebtoken::crypto::sign(message.as_bytes(), &self.encoding, self.algorithm).unwrap();
        format!("{message}.{signature}")
    }
}

/// base64url of a JSON value, as a JWT part.
pub fn part(value: &Value) -> String {
    B64.encode(serde_json::to_vec(value).unwrap())
}

/// An Entra v2.0 access token's claims for the Teams user `OID` of the
/// application `APP_ID`, valid for an hour.
pub fn claims() -> Value {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    json!({
        "aud": AUDIENCE, "iss": ISSUER, "iat": now - 60, "nbf": now - 60, "exp": now + 3600,
        "azp": APP_ID, "oid": OID, "tid": "9f3bd1b5-5c1a-4b8e-a2f0-6d4ad3c0a7e1",
        "scp": "Teams.ManageCalls Teams.ManageChats", "ver": "2.0", "sub": "pairwise-subject",
    })
}

/// The JWKS document of `keys`.
pub fn jwks(keys: &[&Key]) -> Value {
    let keys: Vec<Value> = keys.iter().map(|k| k.jwk.clone()).collect();
    json!({ "keys": keys })
}

/// Writes `dir/jwks.json` with `keys` and a `dir/commid.toml` that trusts
/// [`ISSUER`] with them, plus `settings` (TOML lines of that
/// `[[trusted_issuers]]` entry, such as `exchanges = ["management"]`);
/// returns the configuration file's path, for `serve --config`.
pub fn trusting_config(dir: &std::path::Path, keys: &[&Key], settings: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("jwks.json"), jwks(keys).to_string()).unwrap();
    let config = dir.join("commid.toml");
    std::fs::write(
        &config,
        format!(
            "[[trusted_issuers]]\nissuer = \"{ISSUER}\"\njwks_file = \"jwks.json\"\n{settings}\n"
        ),
    )
    .unwrap();
    config
}

/// A JWKS served over plain HTTP on loopback, counting its fetches.
pub struct JwksServer {
    pub url: String,
    document: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
    /// Answers 503 while set: an issuer whose key endpoint is down.
    down: Arc<std::sync::atomic::AtomicBool>,
}

impl JwksServer {
    pub async fn start(keys: &[&Key]) -> JwksServer {
        let document = Arc::new(Mutex::new(Value::Null));
        let fetches = Arc::new(AtomicUsize::new(0));
        let down = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (doc, count, is_down) = (document.clone(), fetches.clone(), down.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            let (doc, count, is_down) = (doc.clone(), count.clone(), is_down.clone());
            App::new().route(
                "/keys",
                web::get().to(move || {
                    count.fetch_add(1, Ordering::SeqCst);
                    let body = doc.lock().unwrap().to_string();
                    let down = is_down.load(Ordering::SeqCst);
                    async move {
                        if down {
                            return HttpResponse::ServiceUnavailable().finish();
                        }
                        HttpResponse::Ok()
                            .content_type("application/json")
                            .body(body)
                    }
                }),
            )
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        let jwks = JwksServer {
            url: format!("http://127.0.0.1:{port}/keys"),
            document,
            fetches,
            down,
        };
        jwks.publish(keys);
        jwks
    }

    /// From now on the issuer publishes exactly `keys`.
    pub fn publish(&self, keys: &[&Key]) {
        *self.document.lock().unwrap() = jwks(keys);
    }

    /// From now on the key endpoint answers 503 (`false`: it is back).
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    /// A `[[trusted_issuers]]` table for this server's keys.
    pub fn entry(&self) -> TrustedIssuerEntry {
        TrustedIssuerEntry {
            issuer: Some(ISSUER.into()),
            jwks_url: Some(self.url.clone()),
            client_ids: Some(vec![APP_ID.into()]),
            ..TrustedIssuerEntry::default()
        }
    }
}

/// `n` and `e` of a DER `RSAPublicKey` (RFC 8017): SEQUENCE { INTEGER, INTEGER }.
fn rsa_public_components(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    fn element(der: &[u8], tag: u8) -> (&[u8], &[u8]) {
        assert_eq!(der[0], tag);
        let (len, header) = match der[1] {
            l if l < 0x80 => (l as usize, 2),
            l => {
                let octets = (l & 0x7f) as usize;
                let len = der[2..2 + octets]
                    .iter()
                    .fold(0usize, |acc, b| (acc << 8) | *b as usize);
                (len, 2 + octets)
            }
        };
        (&der[header..header + len], &der[header + len..])
    }
    let (sequence, _) = element(der, 0x30);
    let (n, rest) = element(sequence, 0x02);
    let (e, _) = element(rest, 0x02);
    let strip = |v: &[u8]| v.iter().skip_while(|b| **b == 0).copied().collect();
    (strip(n), strip(e))
}
