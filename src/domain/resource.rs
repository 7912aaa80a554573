use super::{Endpoint, Invalid, Secret};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit};
use sha2::Sha256;
use std::sync::Arc;
use uuid::Uuid;

/// A resource's immutable GUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceId(Uuid);

impl ResourceId {
    pub fn generate() -> Self {
        ResourceId(Uuid::new_v4())
    }

    pub fn from_uuid(uuid: Uuid) -> Self {
        ResourceId(uuid)
    }

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        Uuid::try_parse(text).map(ResourceId).map_err(|_| {
            Invalid::new(
                format!("'{}' is not a resource id (a GUID).", super::quote(text)),
                "resourceId",
            )
        })
    }
}

impl std::fmt::Display for ResourceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.hyphenated())
    }
}

/// A resource's name: 1 to 63 lowercase letters, digits and hyphens,
/// starting with a letter (the rules of an ACS resource name).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResourceName(String);

impl ResourceName {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let ok = (1..=63).contains(&text.len())
            && text.starts_with(|c: char| c.is_ascii_lowercase())
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(ResourceName(text.to_owned()))
        } else {
            Err(Invalid::new(
                format!(
                    "Resource name '{}' is invalid: use 1 to 63 lowercase letters, digits and hyphens, starting with a letter.",
                    super::quote(text)
                ),
                "name",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a resource keeps its data (`resourceLocation` in tokens).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataLocation(String);

impl DataLocation {
    pub const DEFAULT: &'static str = "unitedstates";

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        if (1..=64).contains(&text.len())
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            Ok(DataLocation(text.to_owned()))
        } else {
            Err(Invalid::new(
                format!(
                    "Data location '{}' is invalid: use lowercase letters and digits, for example 'unitedstates' or 'europe'.",
                    super::quote(text)
                ),
                "location",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A resource access key: 32 random bytes, base64.
#[derive(Clone)]
pub struct AccessKey {
    text: Secret,
    bytes: Vec<u8>,
    /// HMAC-SHA256 with this key absorbed (its padded key hashed once):
    /// each signature check clones it instead of hashing the key again.
    /// Made from `bytes`, so it lives and dies with the key.
    /// Shared: the state is a few hundred bytes, and keys travel in
    /// connection strings and resources that are cloned and moved.
    mac: Arc<Hmac<Sha256>>,
}

impl PartialEq for AccessKey {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text && self.bytes == other.bytes
    }
}

impl Eq for AccessKey {}

impl AccessKey {
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; 32];
        getrandom::fill(&mut bytes).expect("the operating system's random source failed");
        AccessKey {
            text: Secret::new(STANDARD.encode(&bytes)),
            mac: prepared(&bytes),
            bytes,
        }
    }

    /// A key as written in a connection string or the store.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| Invalid::untargeted("The access key is not valid base64."))?;
        if bytes.is_empty() {
            return Err(Invalid::untargeted("The access key is empty."));
        }
        Ok(AccessKey {
            text: Secret::new(text.trim()),
            mac: prepared(&bytes),
            bytes,
        })
    }

    /// The decoded bytes: the HMAC key.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// HMAC-SHA256 keyed with [`Self::bytes`], ready for a message: clone it.
    pub fn mac(&self) -> &Hmac<Sha256> {
        &self.mac
    }

    pub fn text(&self) -> &Secret {
        &self.text
    }
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessKey(<redacted>)")
    }
}

fn prepared(key: &[u8]) -> Arc<Hmac<Sha256>> {
    Arc::new(Hmac::new_from_slice(key).expect("HMAC takes a key of any length"))
}

/// Which of a resource's two keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySlot {
    Primary,
    Secondary,
}

impl KeySlot {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        match text {
            "primary" => Ok(KeySlot::Primary),
            "secondary" => Ok(KeySlot::Secondary),
            other => Err(Invalid::new(
                format!(
                    "Key '{}' is unknown: use 'primary' or 'secondary'.",
                    super::quote(other)
                ),
                "key",
            )),
        }
    }
}

/// A communication resource: the tenant that identities belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub id: ResourceId,
    pub name: ResourceName,
    pub location: DataLocation,
    pub endpoint: Endpoint,
    pub primary_key: AccessKey,
    pub secondary_key: AccessKey,
}

impl Resource {
    pub fn new(name: ResourceName, location: DataLocation, endpoint: Endpoint) -> Self {
        Resource {
            id: ResourceId::generate(),
            name,
            location,
            endpoint,
            primary_key: AccessKey::generate(),
            secondary_key: AccessKey::generate(),
        }
    }

    pub fn keys(&self) -> [&AccessKey; 2] {
        [&self.primary_key, &self.secondary_key]
    }

    /// `endpoint=…;accesskey=…`, the form every client reads.
    pub fn connection_string(&self, slot: KeySlot) -> Secret {
        let key = match slot {
            KeySlot::Primary => &self.primary_key,
            KeySlot::Secondary => &self.secondary_key,
        };
        Secret::new(format!(
            "endpoint={};accesskey={}",
            self.endpoint.as_str(),
            key.text().expose()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_32_random_bytes_in_base64() {
        let a = AccessKey::generate();
        let b = AccessKey::generate();
        assert_eq!(a.bytes().len(), 32);
        assert_eq!(
            AccessKey::parse(a.text().expose()).unwrap().bytes(),
            a.bytes()
        );
        assert_ne!(a.bytes(), b.bytes());
        assert!(!format!("{a:?}").contains(a.text().expose()));
    }

    #[test]
    fn resource_names_follow_acs_rules() {
        assert!(ResourceName::parse("default").is_ok());
        assert!(ResourceName::parse("team-2").is_ok());
        for bad in ["", "Default", "2team", "a_b", &"a".repeat(64)] {
            assert!(ResourceName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_connection_string_is_redacted_when_printed() {
        let r = Resource::new(
            ResourceName::parse("default").unwrap(),
            DataLocation::parse(DataLocation::DEFAULT).unwrap(),
            Endpoint::parse("https://127.0.0.1:8443/").unwrap(),
        );
        let cs = r.connection_string(KeySlot::Primary);
        assert!(
            cs.expose()
                .starts_with("endpoint=https://127.0.0.1:8443/;accesskey=")
        );
        assert!(!format!("{r:?} {cs:?}").contains(r.primary_key.text().expose()));
    }
}
