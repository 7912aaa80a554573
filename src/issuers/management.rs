//! Bearer tokens on the Identity API's signed operations: a trusted
//! issuer's access token (a managed identity's, a service principal's, a
//! person's, any OIDC client's) whose principal holds a role on the
//! resource. After the checks every token gets (`validate::verified`, with
//! the issuer's management audiences and no client allow-list), the token's
//! principals are read: `oid`, `azp`/`appid`, each of `groups` and `roles`,
//! and `sub`. Which roles they hold is the caller's question.
//!
//! A token is verified once and kept, by the SHA-256 of the resource and
//! the token, until it expires: a service sending the same token on every
//! call pays a hash and a lookup, not a signature check ([`ManagementTokens`]).

use super::Issuer;
use super::validate::{Refusal, verified};
use crate::domain::{Actor, Exchange, Principal, PrincipalKind, ResourceId, Timestamp};
use quick_cache::sync::Cache;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A valid management token: who it is for.
#[derive(Debug, PartialEq, Eq)]
pub struct ManagementToken {
    /// The exact `iss`, of an issuer the resource trusts for management.
    pub issuer: String,
    /// Every principal it names, the one an actor is recorded as first.
    pub principals: Vec<Principal>,
    pub expires: Timestamp,
}

impl ManagementToken {
    /// Who made a request with this token: its `oid`, else its `sub`.
    pub fn actor(&self) -> Actor {
        Actor::Principal {
            issuer: self.issuer.clone(),
            principal: self.principals[0].clone(),
        }
    }
}

/// Checks `token` for management with the resource's `issuers`.
pub async fn validate_management(
    issuers: &[Arc<Issuer>],
    token: &str,
    now: Timestamp,
) -> Result<ManagementToken, Refusal> {
    let token = verified(Exchange::Management, issuers, token, now).await?;
    Ok(ManagementToken {
        issuer: token.issuer.config.issuer.clone(),
        principals: principals(&token.claims)?,
        expires: token.expires,
    })
}

/// The principals `claims` name, `oid` (or else `sub`) first.
fn principals(claims: &Map<String, Value>) -> Result<Vec<Principal>, Refusal> {
    let one = |name: &str| claims.get(name).and_then(Value::as_str);
    let many = |name: &str| -> Vec<&str> {
        claims
            .get(name)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect()
    };
    let mut named: Vec<(PrincipalKind, &str)> = Vec::new();
    named.extend(one("oid").map(|v| (PrincipalKind::Object, v)));
    named.extend(one("sub").map(|v| (PrincipalKind::Subject, v)));
    if named.is_empty() {
        return Err(Refusal::MissingClaim("sub"));
    }
    named.extend(
        one("azp")
            .or_else(|| one("appid"))
            .map(|v| (PrincipalKind::Application, v)),
    );
    named.extend(
        many("groups")
            .into_iter()
            .map(|v| (PrincipalKind::Group, v)),
    );
    named.extend(
        many("roles")
            .into_iter()
            .map(|v| (PrincipalKind::AppRole, v)),
    );
    let mut out = Vec::with_capacity(named.len());
    for (kind, id) in named {
        match Principal::new(kind, id) {
            Ok(p) => out.push(p),
            // The one an actor is recorded as must be usable.
            Err(_) if out.is_empty() => return Err(Refusal::Malformed("an unusable oid or sub")),
            Err(_) => {}
        }
    }
    Ok(out)
}

/// Management tokens already verified, until they expire.
pub struct ManagementTokens {
    cache: Cache<[u8; 32], Arc<ManagementToken>>,
    /// Tokens whose signature was checked (not found in the cache).
    verified: AtomicU64,
}

/// Distinct tokens kept; past that the least used go.
const CAPACITY: usize = 10_000;

impl Default for ManagementTokens {
    fn default() -> Self {
        ManagementTokens {
            cache: Cache::new(CAPACITY),
            verified: AtomicU64::new(0),
        }
    }
}

impl ManagementTokens {
    /// `token` for `resource`, from the cache while it has not expired,
    /// else checked with `issuers` (and kept when valid).
    pub async fn check(
        &self,
        resource: ResourceId,
        issuers: &[Arc<Issuer>],
        token: &str,
        now: Timestamp,
    ) -> Result<Arc<ManagementToken>, Refusal> {
        let mut hash = Sha256::new();
        hash.update(resource.to_string().as_bytes());
        hash.update([0]);
        hash.update(token.as_bytes());
        let key: [u8; 32] = hash.finalize().into();
        if let Some(known) = self.cache.get(&key) {
            if known.expires.unix_seconds() > now.unix_seconds() {
                return Ok(known);
            }
            self.cache.remove(&key);
            return Err(Refusal::Expired);
        }
        self.verified.fetch_add(1, Ordering::Relaxed);
        let checked = Arc::new(validate_management(issuers, token, now).await?);
        self.cache.insert(key, checked.clone());
        Ok(checked)
    }

    /// How many tokens had their signature checked since start.
    pub fn verified(&self) -> u64 {
        self.verified.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn an_entra_tokens_principals_are_its_object_application_groups_and_roles() {
        let p = principals(&claims(json!({
            "oid": "32C0A5DB-05EC-78EA-51AB-3F06B329397E", "sub": "pairwise",
            "appid": "2c3e1e83-8fd7-4615-ad2b-b8c1229845ac",
            "groups": ["0d2b9a0f-5d3e-4b38-9a0e-2a2b3c4d5e6f"], "roles": ["Commid.Reader"]
        })))
        .unwrap();
        let written: Vec<String> = p.iter().map(Principal::to_string).collect();
        assert_eq!(
            written,
            [
                "oid:32c0a5db-05ec-78ea-51ab-3f06b329397e",
                "sub:pairwise",
                "app:2c3e1e83-8fd7-4615-ad2b-b8c1229845ac",
                "group:0d2b9a0f-5d3e-4b38-9a0e-2a2b3c4d5e6f",
                "role:Commid.Reader",
            ]
        );
    }

    #[test]
    fn another_issuers_token_is_its_subject_and_one_without_is_refused() {
        let p = principals(&claims(json!({"sub": "backend", "azp": "cli"}))).unwrap();
        assert_eq!(p[0].to_string(), "sub:backend");
        assert_eq!(p[1].to_string(), "app:cli");
        assert_eq!(
            principals(&claims(json!({"azp": "cli"}))).unwrap_err(),
            Refusal::MissingClaim("sub")
        );
    }
}
