//! Token signing keys (ES256, P-256): generated on first start, rotated by
//! `commid signing-key rotate`, published at `/.well-known/jwks.json` until
//! every token a key signed has expired.

use crate::domain::{Secret, Timestamp, TokenLifetime};
use crate::storage::{Store, StoreError, StoredSigningKey};
use crate::throttle::Throttle;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, ParsedPublicKey,
    Signature,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

pub struct SigningKey {
    pub kid: String,
    /// The token header naming this key, base64url-encoded once.
    header: String,
    /// Parsed once: parsing a PKCS#8 key costs more than signing with it.
    pair: EcdsaKeyPair,
    /// Parsed once too: an unparsed key is parsed and its point checked on
    /// every verification.
    public: ParsedPublicKey,
    jwk: Jwk,
    retired_at: Option<Timestamp>,
}

/// A public key as published in the JWKS.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Jwk {
    pub kty: &'static str,
    pub crv: &'static str,
    pub alg: &'static str,
    #[serde(rename = "use")]
    pub use_: &'static str,
    pub kid: String,
    pub x: String,
    pub y: String,
}

/// What went wrong with the signing keys; each keeps its cause.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot generate a signing key")]
    Generate(#[source] rcgen::Error),
    #[error("signing key {kid} is unusable")]
    Unusable {
        kid: String,
        #[source]
        cause: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("cannot sign a token")]
    Sign(#[source] aws_lc_rs::error::Unspecified),
    #[error("cannot read the signing keys")]
    Read(#[source] StoreError),
    #[error("cannot store the new key")]
    Store(#[source] StoreError),
    #[error("no active signing key")]
    NoActiveKey,
}

impl SigningKey {
    /// A fresh key, ready to be stored.
    pub fn generate() -> Result<StoredSigningKey, KeyError> {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(KeyError::Generate)?;
        let kid = kid_of(pair.public_key_raw());
        Ok(StoredSigningKey {
            kid,
            private_key_pem: Secret::new(pair.serialize_pem()),
            created_at: Timestamp::now(),
            retired_at: None,
        })
    }

    pub fn from_stored(stored: &StoredSigningKey) -> Result<Self, KeyError> {
        let bad = |e: Box<dyn std::error::Error + Send + Sync>| KeyError::Unusable {
            kid: stored.kid.clone(),
            cause: e,
        };
        let pem = stored.private_key_pem.expose();
        let pair = rcgen::KeyPair::from_pem(pem).map_err(|e| bad(e.into()))?;
        let raw = pair.public_key_raw();
        if raw.len() != 65 || raw[0] != 4 {
            return Err(bad("not an uncompressed P-256 public key".into()));
        }
        let (x, y) = (
            URL_SAFE_NO_PAD.encode(&raw[1..33]),
            URL_SAFE_NO_PAD.encode(&raw[33..65]),
        );
        let der = pair.serialize_der();
        Ok(SigningKey {
            kid: stored.kid.clone(),
            header: super::encode::header(&stored.kid),
            pair: EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
                .map_err(|e| bad(e.to_string().into()))?,
            public: ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, raw)
                .map_err(|e| bad(e.to_string().into()))?,
            jwk: Jwk {
                kty: "EC",
                crv: "P-256",
                alg: "ES256",
                use_: "sig",
                kid: stored.kid.clone(),
                x,
                y,
            },
            retired_at: stored.retired_at,
        })
    }

    /// The header of the tokens this key signs, base64url-encoded.
    pub fn header(&self) -> &str {
        &self.header
    }

    /// An ES256 signature (r ‖ s, 64 bytes) of `message`.
    pub fn sign(&self, message: &[u8]) -> Result<Signature, KeyError> {
        self.pair
            .sign(&SystemRandom::new(), message)
            .map_err(KeyError::Sign)
    }

    /// Checks an ES256 signature made by this key.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.public.verify_sig(message, signature).is_ok()
    }

    /// Still published: not retired, or retired recently enough that tokens
    /// it signed may still be alive.
    fn published_at(&self, now: Timestamp) -> bool {
        let grace = (TokenLifetime::MAX_MINUTES * 60 + 300) * 1_000_000;
        self.retired_at
            .is_none_or(|r| r.micros() + grace > now.micros())
    }
}

/// `kid`: hex of the first 8 bytes of the public key's SHA-256.
fn kid_of(public_raw: &[u8]) -> String {
    Sha256::digest(public_raw)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

struct KeySet {
    active: Arc<SigningKey>,
    by_kid: HashMap<String, Arc<SigningKey>>,
}

/// The keys a server signs and verifies with, reloaded from the store when
/// they change.
pub struct KeyRing {
    set: RwLock<Arc<KeySet>>,
    /// Reloads caused by tokens with an unknown `kid`.
    misses: Throttle,
    /// Tokens signed with this ring, for the metrics.
    issued: IssuedCounts,
}

/// Tokens signed since start, by subject.
#[derive(Debug, Default)]
pub struct IssuedCounts {
    pub identities: std::sync::atomic::AtomicU64,
    pub teams_users: std::sync::atomic::AtomicU64,
    /// Teams Phone extensibility and Entra ID users, by their assignments.
    pub assigned_users: std::sync::atomic::AtomicU64,
}

/// At most one reload per this interval is caused by unknown `kid`s, so
/// tokens with made-up `kid`s cannot turn into database load.
const MISS_RELOAD_THROTTLE: Duration = Duration::from_millis(500);

impl KeyRing {
    /// Loads the keys, creating the first one on an empty store.
    pub async fn load(store: &dyn Store) -> Result<KeyRing, KeyError> {
        let set = load_set(store).await?;
        Ok(KeyRing {
            set: RwLock::new(Arc::new(set)),
            misses: Throttle::new(MISS_RELOAD_THROTTLE),
            issued: IssuedCounts::default(),
        })
    }

    /// Reloads because a token named a key this ring does not hold (a key
    /// made by another instance); at most once per [`MISS_RELOAD_THROTTLE`].
    /// Says whether it reloaded.
    pub async fn reload_for_unknown_kid(&self, store: &dyn Store) -> Result<bool, KeyError> {
        if !self.misses.permit() {
            return Ok(false);
        }
        self.reload(store).await.map(|()| true)
    }

    pub async fn reload(&self, store: &dyn Store) -> Result<(), KeyError> {
        let set = load_set(store).await?;
        *self.set.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(set);
        Ok(())
    }

    /// How many tokens this ring signed, by subject.
    pub fn issued(&self) -> &IssuedCounts {
        &self.issued
    }

    pub fn active(&self) -> Arc<SigningKey> {
        self.snapshot().active.clone()
    }

    pub fn find(&self, kid: &str) -> Option<Arc<SigningKey>> {
        self.snapshot().by_kid.get(kid).cloned()
    }

    pub fn published(&self) -> Vec<Jwk> {
        let now = Timestamp::now();
        let set = self.snapshot();
        let mut keys: Vec<_> = set
            .by_kid
            .values()
            .filter(|k| k.published_at(now))
            .map(|k| k.jwk.clone())
            .collect();
        keys.sort_by(|a, b| a.kid.cmp(&b.kid));
        keys
    }

    fn snapshot(&self) -> Arc<KeySet> {
        self.set.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

async fn load_set(store: &dyn Store) -> Result<KeySet, KeyError> {
    let store_err = KeyError::Read;
    let mut stored = store.signing_keys().await.map_err(store_err)?;
    if stored.iter().all(|k| k.retired_at.is_some()) {
        store
            .insert_signing_key(SigningKey::generate()?)
            .await
            .map_err(KeyError::Store)?;
        stored = store.signing_keys().await.map_err(store_err)?;
    }
    let mut by_kid = HashMap::new();
    let mut active = None;
    for s in &stored {
        let key = Arc::new(SigningKey::from_stored(s)?);
        if s.retired_at.is_none() {
            active = Some(key.clone());
        }
        by_kid.insert(s.kid.clone(), key);
    }
    let active = active.ok_or(KeyError::NoActiveKey)?;
    Ok(KeySet { active, by_kid })
}

/// Makes a new key active and retires the current one (`signing-key rotate`).
pub async fn rotate(store: &dyn Store) -> Result<String, KeyError> {
    let key = SigningKey::generate()?;
    let kid = key.kid.clone();
    store
        .insert_signing_key(key)
        .await
        .map_err(KeyError::Store)?;
    Ok(kid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::sqlite::{Access, SqliteStore};

    #[tokio::test]
    async fn unknown_kids_reload_the_keys_at_most_once_per_interval() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path(), Access::Shared).unwrap();
        let ring = KeyRing::load(&store).await.unwrap();
        assert!(ring.reload_for_unknown_kid(&store).await.unwrap());
        for _ in 0..100 {
            assert!(!ring.reload_for_unknown_kid(&store).await.unwrap());
        }
        tokio::time::sleep(MISS_RELOAD_THROTTLE).await;
        assert!(ring.reload_for_unknown_kid(&store).await.unwrap());
    }
}
