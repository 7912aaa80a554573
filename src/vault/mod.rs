//! Secrets at rest: values the store keeps sealed (AES-256-GCM) under a
//! key-encryption key from the configuration, so that a copy of the database
//! alone mints no token. Modelled on Ory Hydra's `secrets.system`: several
//! keys, the first seals, every one opens; rotating is a restart with a new
//! key first and `commid secrets rotate`.
//!
//! A sealed value is text, self-describing and versioned:
//!
//! ```text
//! sealed:v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>
//! ```
//!
//! `v1` is AES-256-GCM with a random 96-bit nonce; the key id (8 hex digits,
//! [`KeyId`]) picks the key that opens it. The associated data binds the
//! header and the value's [`Place`] (table, column, row), so a sealed value
//! copied to another row or column does not open. Anything without the
//! prefix is plaintext from before a key was configured: it opens as
//! itself, and `serve` seals it at start.
//!
//! Without a key the vault stores plaintext, as commid always did.

mod key;
#[cfg(test)]
mod tests;

pub use key::{EncryptionKey, HOW_TO_MAKE_ONE, KeyId, KeyInvalid};

use crate::domain::Secret;
use aws_lc_rs::aead::{Aad, NONCE_LEN, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::sync::Arc;

/// What every sealed value begins with.
pub const PREFIX: &str = "sealed:";
const VERSION: &str = "v1";
const TAG_LEN: usize = 16;

/// Where a value is stored: what its seal is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place<'a> {
    pub table: &'a str,
    pub column: &'a str,
    /// The row's key (a resource id, a `kid`, a setting's name).
    pub row: &'a str,
}

impl std::fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{} of {}", self.table, self.column, self.row)
    }
}

/// The configured key-encryption keys: the first seals, all open. Cheap to
/// clone; `Debug` shows the key ids only.
#[derive(Clone, Default)]
pub struct Vault {
    keys: Arc<[EncryptionKey]>,
}

/// How a stored value is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Plaintext, from before a key was configured.
    Plaintext,
    /// Sealed under this key.
    Sealed(KeyId),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error(
        "sealed with encryption key {key}, which is not configured ({}): add that key to \
         encryption_keys (COMMID_ENCRYPTION_KEYS) or encryption_keys_file, after the key that \
         seals (`commid secrets status` shows the configured keys' ids)",
        configured_text(.configured)
    )]
    MissingKey { key: KeyId, configured: Vec<KeyId> },
    #[error(
        "does not authenticate under encryption key {0}: it was altered, or copied from another \
         row or column; restore it from a backup"
    )]
    Forged(KeyId),
    #[error("is not a sealed value this commid reads ({0})")]
    Malformed(&'static str),
    #[error("encryption key {0} is configured twice")]
    DuplicateKey(KeyId),
    #[error("the system's random source failed")]
    Random,
    #[error(
        "begins with `{PREFIX}`, which would read as sealed: it cannot be stored without a key"
    )]
    LooksSealed,
}

fn configured_text(keys: &[KeyId]) -> String {
    if keys.is_empty() {
        return "no key is configured".into();
    }
    let ids: Vec<String> = keys.iter().map(KeyId::to_string).collect();
    format!("configured: {}", ids.join(", "))
}

impl Vault {
    /// No key: values are stored as they are.
    pub fn none() -> Vault {
        Vault::default()
    }

    /// These keys, the first sealing; refuses a key given twice.
    pub fn new(keys: Vec<EncryptionKey>) -> Result<Vault, VaultError> {
        for (i, key) in keys.iter().enumerate() {
            if keys[..i].iter().any(|k| k.id() == key.id()) {
                return Err(VaultError::DuplicateKey(key.id()));
            }
        }
        Ok(Vault { keys: keys.into() })
    }

    /// The key new values are sealed under; `None`: stored in plaintext.
    pub fn sealing_key(&self) -> Option<KeyId> {
        self.keys.first().map(EncryptionKey::id)
    }

    /// Every configured key's id, the sealing one first.
    pub fn key_ids(&self) -> Vec<KeyId> {
        self.keys.iter().map(EncryptionKey::id).collect()
    }

    /// `plaintext` as it is to be stored at `place`: sealed under the first
    /// key, or as it is when no key is configured.
    pub fn seal(&self, place: Place<'_>, plaintext: &str) -> Result<String, VaultError> {
        let Some(key) = self.keys.first() else {
            if plaintext.starts_with(PREFIX) {
                return Err(VaultError::LooksSealed);
            }
            return Ok(plaintext.to_owned());
        };
        let header = header(key.id());
        let mut sealed = plaintext.as_bytes().to_vec();
        let nonce = key
            .aead()
            .seal_in_place_append_tag(Aad::from(associated(&header, place)), &mut sealed)
            .map_err(|_| VaultError::Random)?;
        let mut payload = Vec::with_capacity(NONCE_LEN + sealed.len());
        payload.extend_from_slice(nonce.as_ref());
        payload.extend_from_slice(&sealed);
        Ok(format!("{header}:{}", URL_SAFE_NO_PAD.encode(payload)))
    }

    /// The plaintext of a value stored at `place`, sealed or not.
    pub fn open(&self, place: Place<'_>, stored: &str) -> Result<Secret, VaultError> {
        let Some(sealed) = parse(stored)? else {
            return Ok(Secret::new(stored));
        };
        let key = self
            .keys
            .iter()
            .find(|k| k.id() == sealed.key)
            .ok_or_else(|| VaultError::MissingKey {
                key: sealed.key,
                configured: self.key_ids(),
            })?;
        let nonce = Nonce::try_assume_unique_for_key(&sealed.payload[..NONCE_LEN])
            .map_err(|_| VaultError::Malformed("the nonce"))?;
        let mut in_out = sealed.payload[NONCE_LEN..].to_vec();
        let plaintext = key
            .aead()
            .open_in_place(
                nonce,
                Aad::from(associated(sealed.header, place)),
                &mut in_out,
            )
            .map_err(|_| VaultError::Forged(sealed.key))?;
        let text = std::str::from_utf8(plaintext).map_err(|_| VaultError::Forged(sealed.key))?;
        Ok(Secret::new(text))
    }

    /// Whether a stored value is as this vault would store it now: sealed
    /// under the first key (or, without keys, anything).
    pub fn is_current(&self, stored: &str) -> bool {
        match (self.sealing_key(), inspect(stored)) {
            (None, _) => true,
            (Some(first), Ok(Stored::Sealed(key))) => key == first,
            (Some(_), _) => false,
        }
    }
}

/// How `stored` is kept, without opening it.
pub fn inspect(stored: &str) -> Result<Stored, VaultError> {
    Ok(match parse(stored)? {
        Some(sealed) => Stored::Sealed(sealed.key),
        None => Stored::Plaintext,
    })
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("keys", &self.key_ids())
            .finish()
    }
}

/// A sealed value's parts; `None` for plaintext.
struct Sealed<'a> {
    /// `sealed:v1:<key id>`, authenticated with the value.
    header: &'a str,
    key: KeyId,
    payload: Vec<u8>,
}

fn parse(stored: &str) -> Result<Option<Sealed<'_>>, VaultError> {
    if !stored.starts_with(PREFIX) {
        return Ok(None);
    }
    let (header, payload) = stored
        .rsplit_once(':')
        .ok_or(VaultError::Malformed("no payload"))?;
    let mut parts = header.split(':');
    let (Some("sealed"), Some(version), Some(key), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(VaultError::Malformed("the header"));
    };
    if version != VERSION {
        return Err(VaultError::Malformed("an unknown version"));
    }
    let key = KeyId::parse(key).ok_or(VaultError::Malformed("the key id"))?;
    let payload = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| VaultError::Malformed("the payload is not base64url"))?;
    if payload.len() < NONCE_LEN + TAG_LEN {
        return Err(VaultError::Malformed("the payload is too short"));
    }
    Ok(Some(Sealed {
        header,
        key,
        payload,
    }))
}

fn header(key: KeyId) -> String {
    format!("{PREFIX}{VERSION}:{key}")
}

/// The header and the place, each part length-prefixed so that no two
/// places give the same bytes.
fn associated(header: &str, place: Place<'_>) -> Vec<u8> {
    let mut data = Vec::new();
    for part in [header, place.table, place.column, place.row] {
        data.extend_from_slice(&(part.len() as u32).to_be_bytes());
        data.extend_from_slice(part.as_bytes());
    }
    data
}
