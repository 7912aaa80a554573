//! Communication access tokens: ES256 JWTs with the claims ACS token
//! consumers read, plus what exact revocation needs.

mod encode;
mod exchanged;
mod keys;
mod verified;

pub use exchanged::assigned_user_grant;
pub use keys::{IssuedCounts, Jwk, KeyError, KeyRing, SigningKey, rotate};
pub use verified::{DEFAULT_BYTES as DEFAULT_VERIFY_CACHE_BYTES, VerifiedTokens};

use crate::domain::{
    EntraId, IdentityId, Resource, RevocationEpoch, Scopes, Subject, TeamsUserId, Timestamp,
    TokenLifetime,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// The `scp` claim of the live service's tokens.
const SCP: u32 = 1792;

/// A token's claims, in the order ACS writes them: read as owned text,
/// written from borrowed text (`Claims<&str>`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Claims<S = String> {
    pub skypeid: S,
    pub scp: u32,
    pub csi: S,
    pub exp: i64,
    pub acs_scope: S,
    pub resource_id: S,
    pub resource_location: S,
    pub iat: i64,
    pub iss: S,
    pub sub: S,
    pub jti: S,
    /// The identity's revocation epoch when the token was issued (for a
    /// token exchanged under an assignment: the assignment's version).
    pub rev: i64,
    /// The object id of the Entra-user assignment a token was exchanged
    /// under (a user, a group or a tenant); absent from other tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asg: Option<S>,
}

pub struct IssuedToken {
    pub token: String,
    pub expires_on: Timestamp,
}

#[derive(Deserialize)]
struct ReadHeader {
    alg: String,
    kid: Option<String>,
}

/// What a token is issued for: who, where, which scopes, until when, and
/// under which revocation epoch.
#[derive(Debug, Clone, Copy)]
pub struct Grant<'a> {
    pub resource: &'a Resource,
    pub subject: Subject,
    pub scopes: &'a Scopes,
    pub issued_at: Timestamp,
    /// Whole seconds: the `exp` claim.
    pub expires_at: Timestamp,
    /// [`RevocationEpoch::INITIAL`] for subjects without revocation state.
    pub revocation_epoch: RevocationEpoch,
    /// The Entra-user assignment the token is exchanged under (`asg`).
    pub assignment: Option<EntraId>,
}

impl<'a> Grant<'a> {
    /// A token for one of this service's identities, issued `now` for `lifetime`.
    pub fn identity(
        resource: &'a Resource,
        id: IdentityId,
        scopes: &'a Scopes,
        lifetime: TokenLifetime,
        revocation_epoch: RevocationEpoch,
        now: Timestamp,
    ) -> Self {
        Grant {
            resource,
            subject: Subject::Identity(id),
            scopes,
            issued_at: now,
            expires_at: lifetime.expiry_from(now),
            revocation_epoch,
            assignment: None,
        }
    }
}

/// The scopes of a Teams user's token: what `Teams.ManageChats` and
/// `Teams.ManageCalls` allow.
/// When a token exchanged for an Entra token expires: with the Entra
/// token (to the second), but at most the default lifetime (24 hours) from
/// `now`.
fn exchanged_expiry(expires: Timestamp, now: Timestamp) -> Timestamp {
    let latest = TokenLifetime::from_minutes(None)
        .expect("the default lifetime")
        .expiry_from(now);
    Timestamp::from_unix_seconds(expires.unix_seconds()).min(latest)
}

pub fn teams_user_scopes() -> Scopes {
    Scopes::from_joined("chat,voip").expect("known scopes")
}

/// A token for a Teams user whose Entra token was exchanged: it expires when
/// that token does (`expires`), but at most 24 hours from `now`. Teams users
/// have no revocation epoch.
pub fn teams_user_grant<'a>(
    resource: &'a Resource,
    user: TeamsUserId,
    scopes: &'a Scopes,
    expires: Timestamp,
    now: Timestamp,
) -> Grant<'a> {
    Grant {
        resource,
        subject: Subject::TeamsUser(user),
        scopes,
        issued_at: now,
        expires_at: exchanged_expiry(expires, now),
        revocation_epoch: RevocationEpoch::INITIAL,
        assignment: None,
    }
}

/// Signs the token `grant` describes with the active key.
pub fn issue(keys: &KeyRing, grant: &Grant) -> Result<IssuedToken, KeyError> {
    use std::fmt::Write as _;
    let iat = grant.issued_at.unix_seconds();
    let exp = grant.expires_at.unix_seconds();
    let mut jti = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let asg = grant.assignment.map(|a| a.to_string());
    // The claims' computed text, written into one buffer: `sub`, `csi`,
    // `acs_scope`, `resource_id`, in that order.
    let mut text = String::with_capacity(192);
    let mut bounds = [0usize; 5];
    let pieces: [&dyn std::fmt::Display; 4] =
        [&grant.subject, &iat, grant.scopes, &grant.resource.id];
    for (i, piece) in pieces.into_iter().enumerate() {
        write!(text, "{piece}").expect("a String takes any text");
        bounds[i + 1] = text.len();
    }
    let [sub, csi, acs_scope, resource_id] = [0, 1, 2, 3].map(|i| &text[bounds[i]..bounds[i + 1]]);
    let claims = Claims::<&str> {
        // `acs:…` or `orgid:…`: the subject without its `8:`.
        skypeid: sub.strip_prefix("8:").unwrap_or(sub),
        scp: SCP,
        csi,
        exp,
        acs_scope,
        resource_id,
        resource_location: grant.resource.location.as_str(),
        iat,
        iss: grant.resource.endpoint.as_str(),
        sub,
        jti: uuid::Uuid::new_v4().hyphenated().encode_lower(&mut jti),
        rev: grant.revocation_epoch.as_i64(),
        asg: asg.as_deref(),
    };
    let key = keys.active();
    let input = encode::signing_input(key.header(), &encode::claims_json(&claims));
    let signature = key.sign(input.as_bytes())?;
    let count = match grant.subject {
        Subject::Identity(_) => &keys.issued().identities,
        Subject::TeamsUser(_) => &keys.issued().teams_users,
        Subject::Assigned(_) => &keys.issued().assigned_users,
    };
    count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Ok(IssuedToken {
        token: encode::append_signature(input, signature.as_ref()),
        expires_on: Timestamp::from_unix_seconds(exp),
    })
}

/// Why a token is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    Malformed,
    BadSignature,
    /// Signed with a key this server does not know (yet: another process may
    /// have just rotated).
    UnknownKey,
    Expired,
}

/// Checks form, signature and expiry; the caller checks the identity.
pub fn decode(keys: &KeyRing, token: &str, now: Timestamp) -> Result<Claims, Rejection> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Rejection::Malformed);
    };
    let header: ReadHeader = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|h| serde_json::from_slice(&h).ok())
        .ok_or(Rejection::Malformed)?;
    if header.alg != "ES256" {
        return Err(Rejection::BadSignature);
    }
    let kid = header.kid.ok_or(Rejection::BadSignature)?;
    let key = keys.find(&kid).ok_or(Rejection::UnknownKey)?;
    let message = &token[..header_and_payload_len(token)];
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| Rejection::Malformed)?;
    if !key.verify(message.as_bytes(), &signature) {
        return Err(Rejection::BadSignature);
    }
    let claims: Claims = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|p| serde_json::from_slice(&p).ok())
        .ok_or(Rejection::Malformed)?;
    if claims.exp <= now.unix_seconds() {
        return Err(Rejection::Expired);
    }
    Ok(claims)
}

fn header_and_payload_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(0)
}
