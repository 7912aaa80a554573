//! Tokens whose signature this server has already checked, so that a
//! backend verifying the same token again and again pays for a hash and a
//! lookup, not for an ECDSA verification. Keyed by the SHA-256 of the whole
//! token: only a token identical to one that verified can hit. What a hit
//! skips is only what cannot change: the signature and the claims it
//! covers. Expiry is checked on every call, and the caller still checks
//! the identity and its revocation epoch, so revocation stays exact.
//!
//! Bounded by the bytes its entries weigh (`verify_cache_bytes`); when full,
//! quick_cache's S3-FIFO policy keeps the tokens verified more than once.

use super::{Claims, KeyRing, Rejection, decode};
use crate::domain::Timestamp;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The default bound on what the cache holds, in bytes.
pub const DEFAULT_BYTES: usize = 4 * 1024 * 1024;

type Key = [u8; 32];

struct Entry {
    claims: Arc<Claims>,
    weight: u64,
}

#[derive(Clone)]
struct ByWeight;

impl Weighter<Key, Arc<Entry>> for ByWeight {
    fn weight(&self, _: &Key, entry: &Arc<Entry>) -> u64 {
        entry.weight
    }
}

pub struct VerifiedTokens {
    cache: Option<Cache<Key, Arc<Entry>, ByWeight>>,
}

/// What an entry costs: the key, the claims and their text, and the
/// cache's and the allocator's bookkeeping (an estimate, on the high side).
fn weight_of(claims: &Claims) -> u64 {
    const OVERHEAD: usize = 96;
    let text = [
        &claims.skypeid,
        &claims.csi,
        &claims.acs_scope,
        &claims.resource_id,
        &claims.resource_location,
        &claims.iss,
        &claims.sub,
        &claims.jti,
    ]
    .iter()
    .map(|s| s.capacity())
    .sum::<usize>()
        + claims.asg.as_ref().map_or(0, String::capacity);
    (size_of::<Key>() + size_of::<Entry>() + size_of::<Claims>() + text + OVERHEAD) as u64
}

impl VerifiedTokens {
    /// A cache of at most `bytes`; 0 turns it off.
    pub fn new(bytes: usize) -> Self {
        let cache = (bytes > 0).then(|| {
            let typical = weight_of(&Claims::default()) as usize + 400;
            Cache::with_weighter((bytes / typical).max(1), bytes as u64, ByWeight)
        });
        VerifiedTokens { cache }
    }

    /// [`decode`], skipping the signature check for a token that passed it
    /// before.
    pub fn decode(
        &self,
        keys: &KeyRing,
        token: &str,
        now: Timestamp,
    ) -> Result<Arc<Claims>, Rejection> {
        let Some(cache) = &self.cache else {
            return decode(keys, token, now).map(Arc::new);
        };
        let key: Key = Sha256::digest(token.as_bytes()).into();
        if let Some(entry) = cache.get(&key) {
            if entry.claims.exp <= now.unix_seconds() {
                cache.remove(&key);
                return Err(Rejection::Expired);
            }
            return Ok(entry.claims.clone());
        }
        let claims = Arc::new(decode(keys, token, now)?);
        let weight = weight_of(&claims);
        cache.insert(
            key,
            Arc::new(Entry {
                claims: claims.clone(),
                weight,
            }),
        );
        Ok(claims)
    }

    /// Bytes the entries weigh now, and how many there are.
    pub fn usage(&self) -> (u64, usize) {
        self.cache
            .as_ref()
            .map_or((0, 0), |c| (c.weight(), c.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        DataLocation, Endpoint, IdentityId, Resource, ResourceName, RevocationEpoch, Scopes,
        TokenLifetime,
    };
    use crate::storage::sqlite::{Access, SqliteStore};
    use crate::tokens::{Grant, issue};

    async fn keys() -> KeyRing {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path(), Access::Shared).unwrap();
        KeyRing::load(&store).await.unwrap()
    }

    fn token(keys: &KeyRing, now: Timestamp) -> String {
        let resource = Resource::new(
            ResourceName::parse("default").unwrap(),
            DataLocation::parse("unitedstates").unwrap(),
            Endpoint::parse("https://default.example/").unwrap(),
        );
        let scopes = Scopes::from_joined("chat").unwrap();
        let grant = Grant::identity(
            &resource,
            IdentityId::generate(resource.id),
            &scopes,
            TokenLifetime::from_minutes(Some(60)).unwrap(),
            RevocationEpoch::INITIAL,
            now,
        );
        issue(keys, &grant).unwrap().token
    }

    #[tokio::test]
    async fn a_token_seen_before_reads_back_the_same_claims_from_the_cache() {
        let keys = keys().await;
        let now = Timestamp::now();
        let token = token(&keys, now);
        let verified = VerifiedTokens::new(DEFAULT_BYTES);
        let first = verified.decode(&keys, &token, now).unwrap();
        assert_eq!(verified.usage().1, 1);
        let again = verified.decode(&keys, &token, now).unwrap();
        assert!(Arc::ptr_eq(&first, &again), "the second read was not a hit");
        assert_eq!(*again, decode(&keys, &token, now).unwrap());
    }

    #[tokio::test]
    async fn a_cached_token_still_expires() {
        let keys = keys().await;
        let now = Timestamp::now();
        let token = token(&keys, now);
        let verified = VerifiedTokens::new(DEFAULT_BYTES);
        verified.decode(&keys, &token, now).unwrap();
        let later = Timestamp::from_unix_seconds(now.unix_seconds() + 3601);
        assert_eq!(
            verified.decode(&keys, &token, later),
            Err(Rejection::Expired)
        );
    }

    #[tokio::test]
    async fn only_the_identical_token_hits_and_a_forged_one_is_still_refused() {
        let keys = keys().await;
        let now = Timestamp::now();
        let token = token(&keys, now);
        let verified = VerifiedTokens::new(DEFAULT_BYTES);
        verified.decode(&keys, &token, now).unwrap();
        let (message, signature) = token.rsplit_once('.').unwrap();
        let mut forged = signature.as_bytes().to_vec();
        forged[10] = if forged[10] == b'A' { b'B' } else { b'A' };
        let forged = format!("{message}.{}", String::from_utf8(forged).unwrap());
        assert_eq!(
            verified.decode(&keys, &forged, now),
            Err(Rejection::BadSignature)
        );
    }

    #[tokio::test]
    async fn the_cache_holds_no_more_than_its_bytes() {
        let keys = keys().await;
        let now = Timestamp::now();
        let bytes = 64 * 1024;
        let verified = VerifiedTokens::new(bytes);
        for _ in 0..1000 {
            verified.decode(&keys, &token(&keys, now), now).unwrap();
        }
        let (weight, entries) = verified.usage();
        assert!(weight <= bytes as u64, "{weight} > {bytes}");
        assert!(entries > 10, "only {entries} entries fit in {bytes} bytes");
    }

    #[tokio::test]
    async fn a_cache_of_zero_bytes_is_off() {
        let keys = keys().await;
        let now = Timestamp::now();
        let token = token(&keys, now);
        let verified = VerifiedTokens::new(0);
        let first = verified.decode(&keys, &token, now).unwrap();
        let again = verified.decode(&keys, &token, now).unwrap();
        assert!(!Arc::ptr_eq(&first, &again));
        assert_eq!(verified.usage(), (0, 0));
    }
}
