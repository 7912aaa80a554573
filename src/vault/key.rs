//! A key-encryption key: 32 random bytes, written in standard base64 (44
//! characters), and its id, a short fingerprint that names it in sealed
//! values, logs and messages without revealing it.

use crate::domain::Secret;
use aws_lc_rs::aead::{AES_256_GCM, RandomizedNonceKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Bytes of a key.
pub const KEY_LEN: usize = 32;

/// How to make a key, for every message about a bad or missing one.
pub const HOW_TO_MAKE_ONE: &str = "a key is 32 random bytes in base64 (44 characters): make one with `commid secrets generate-key`";

/// A key's id: the first 4 bytes of HMAC-SHA256(key, "commid key id"), in
/// hex. Derived from the key, so the same key has the same id everywhere,
/// and a keyed hash, so it tells nothing about the key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId([u8; 4]);

impl KeyId {
    /// Eight lowercase hex digits, as a sealed value writes it.
    pub fn parse(text: &str) -> Option<KeyId> {
        if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut id = [0u8; 4];
        for (i, byte) in id.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(KeyId(id))
    }

    fn of(bytes: &[u8]) -> KeyId {
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(bytes).expect("HMAC takes any key length");
        mac.update(b"commid key id");
        let digest = mac.finalize().into_bytes();
        KeyId([digest[0], digest[1], digest[2], digest[3]])
    }
}

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// Why a key's text is not a key; the message says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyInvalid {
    #[error("is not base64; {HOW_TO_MAKE_ONE}")]
    NotBase64,
    #[error("is {0} bytes long, not 32; {HOW_TO_MAKE_ONE}")]
    Length(usize),
}

/// A key-encryption key, ready to seal and open. `Debug` shows its id only.
pub struct EncryptionKey {
    id: KeyId,
    aead: RandomizedNonceKey,
}

impl EncryptionKey {
    /// Reads a key from its base64 text (surrounding blanks ignored).
    pub fn parse(text: &str) -> Result<EncryptionKey, KeyInvalid> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| KeyInvalid::NotBase64)?;
        if bytes.len() != KEY_LEN {
            return Err(KeyInvalid::Length(bytes.len()));
        }
        Ok(EncryptionKey::from_bytes(&bytes))
    }

    /// A new random key and its base64 text (`commid secrets generate-key`).
    pub fn generate() -> (EncryptionKey, Secret) {
        let mut bytes = [0u8; KEY_LEN];
        getrandom::fill(&mut bytes).expect("the operating system's random source failed");
        (
            EncryptionKey::from_bytes(&bytes),
            Secret::new(STANDARD.encode(bytes)),
        )
    }

    fn from_bytes(bytes: &[u8]) -> EncryptionKey {
        EncryptionKey {
            id: KeyId::of(bytes),
            aead: RandomizedNonceKey::new(&AES_256_GCM, bytes)
                .expect("AES-256-GCM takes a 32-byte key"),
        }
    }

    pub fn id(&self) -> KeyId {
        self.id
    }

    pub(super) fn aead(&self) -> &RandomizedNonceKey {
        &self.aead
    }
}

impl std::fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EncryptionKey({})", self.id)
    }
}
