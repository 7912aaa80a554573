//! Checking an Entra access token as RFC 8725 asks, for any exchange: the
//! signature with a key of the configured key set only (`jku`, `x5u`, `x5c`
//! and an embedded `jwk` are never used), the algorithm the key fixes (so
//! `none`, HMAC and a mismatched algorithm fail), then `iss` (an issuer
//! trusted for the exchange), `aud` (the exchange's), `exp`, `nbf` and the
//! client application ([`verified`]); then, for the Teams-user exchange,
//! the Teams permissions and `oid` ([`validate`]; the other exchanges'
//! claims are read in `assigned.rs`).

use super::Issuer;
use crate::domain::{Exchange, TeamsUserId, Timestamp, TrustedIssuer};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::sync::Arc;

/// The delegated permissions of Microsoft's Communication Services
/// application; ACS wants both before it exchanges a token.
pub const TEAMS_SCOPES: [&str; 2] = ["Teams.ManageCalls", "Teams.ManageChats"];

/// A token that may be exchanged, and what the request must match.
#[derive(Debug)]
pub struct ExchangeableToken {
    pub user: TeamsUserId,
    /// `azp` (v2.0 tokens) or `appid` (v1.0 tokens).
    pub app_id: String,
    pub expires: Timestamp,
}

/// Why a token was refused: for the log only; the caller is told no more
/// than that the token is not valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NoTrustedIssuer,
    /// The resource trusts issuers, none of them for this exchange (or not
    /// the token's issuer).
    NotTrustedFor(Exchange),
    Malformed(&'static str),
    UnsupportedAlgorithm(String),
    UnknownIssuer,
    UnknownKey,
    AlgorithmNotTheKeys,
    BadSignature,
    WrongAudience,
    Expired,
    NotYetValid,
    UntrustedApplication,
    MissingTeamsScopes,
    /// Teams extension: no `TeamsExtension.ManageCalls`; Entra users: none
    /// of the Communication Services Clients permissions.
    MissingScopes(Exchange),
    /// A claim the exchange needs is missing or not a GUID.
    MissingClaim(&'static str),
    /// Valid, but no assignment admits its principal and application.
    NotAssigned,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NoTrustedIssuer => f.write_str(
                "the resource trusts no issuer (add a [[trusted_issuers]] table for it)",
            ),
            Refusal::Malformed(what) => write!(f, "malformed: {what}"),
            Refusal::UnsupportedAlgorithm(alg) => {
                // Only logged: escaped, for the token is the caller's.
                write!(
                    f,
                    "alg '{}' is not RS256 or ES256",
                    crate::logs::Escaped::at_most(alg, 80)
                )
            }
            Refusal::UnknownIssuer => f.write_str("its iss is not a trusted issuer"),
            Refusal::UnknownKey => f.write_str("its kid is not in the issuer's key set"),
            Refusal::AlgorithmNotTheKeys => f.write_str("its alg is not the one of its key"),
            Refusal::BadSignature => f.write_str("the signature does not verify"),
            Refusal::WrongAudience => f.write_str("its aud is not a configured audience"),
            Refusal::Expired => f.write_str("it has expired"),
            Refusal::NotYetValid => f.write_str("its nbf is in the future"),
            Refusal::UntrustedApplication => {
                f.write_str("its application is not in the issuer's client_ids")
            }
            Refusal::MissingTeamsScopes => {
                f.write_str("its scp lacks Teams.ManageCalls or Teams.ManageChats")
            }
            Refusal::NotTrustedFor(exchange) => write!(
                f,
                "no issuer of the resource is trusted for the {} exchange with its iss \
                 (list \"{}\" in the exchanges of its [[trusted_issuers]] table)",
                exchange.as_str(),
                exchange.as_str()
            ),
            Refusal::MissingScopes(Exchange::EntraUser) => f.write_str(
                "its scp holds none of Chat, Chat.Join, Chat.Join.Limited, VoIP, VoIP.Join",
            ),
            Refusal::MissingScopes(_) => f.write_str("its scp lacks TeamsExtension.ManageCalls"),
            Refusal::MissingClaim(name) => write!(f, "it has no {name} that is a GUID"),
            Refusal::NotAssigned => f.write_str(
                "no assignment of the resource admits its tenant, object id (or group) and application",
            ),
        }
    }
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
    crit: Option<Value>,
}

/// A token for the Teams-user exchange: [`verified`], then the Teams
/// permissions and a GUID `oid`.
pub async fn validate(
    issuers: &[Arc<Issuer>],
    token: &str,
    now: Timestamp,
) -> Result<ExchangeableToken, Refusal> {
    let token = verified(Exchange::TeamsUser, issuers, token, now).await?;
    let has = |scope: &str| {
        has_scope(
            &token.claims,
            scope,
            &[
                token.issuer.config.audience.as_str(),
                TrustedIssuer::DEFAULT_AUDIENCE,
            ],
        )
    };
    if !TEAMS_SCOPES.iter().all(|s| has(s)) {
        return Err(Refusal::MissingTeamsScopes);
    }
    let user = token
        .claims
        .get("oid")
        .and_then(Value::as_str)
        .and_then(TeamsUserId::from_object_id)
        .ok_or(Refusal::Malformed("no oid that is a GUID"))?;
    Ok(ExchangeableToken {
        user,
        app_id: token.app_id,
        expires: token.expires,
    })
}

/// A token whose signature, issuer, audience, lifetime and application
/// passed for one exchange, and its claims.
pub(super) struct Verified {
    pub issuer: Arc<Issuer>,
    pub claims: Map<String, Value>,
    /// `azp` (v2.0 tokens) or `appid` (v1.0 tokens).
    pub app_id: String,
    pub expires: Timestamp,
}

/// The checks every exchange makes, with the issuers of the resource that
/// are trusted for `exchange`.
pub(super) async fn verified(
    exchange: Exchange,
    issuers: &[Arc<Issuer>],
    token: &str,
    now: Timestamp,
) -> Result<Verified, Refusal> {
    if issuers.is_empty() {
        return Err(Refusal::NoTrustedIssuer);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refusal::Malformed("not three dot-separated parts"));
    };
    let header: Header = decode_json(header).ok_or(Refusal::Malformed("the header"))?;
    let algorithm = match header.alg.as_str() {
        "RS256" => Algorithm::RS256,
        "ES256" => Algorithm::ES256,
        other => return Err(Refusal::UnsupportedAlgorithm(other.to_owned())),
    };
    if header.crit.is_some() {
        return Err(Refusal::Malformed(
            "crit names extensions this server does not know",
        ));
    }
    let claims: Map<String, Value> =
        decode_json(payload).ok_or(Refusal::Malformed("the payload"))?;
    // `iss` picks which issuer's keys to try; the signature decides the rest.
    let iss = claims.get("iss").and_then(Value::as_str);
    let named: Vec<&Arc<Issuer>> = issuers
        .iter()
        .filter(|i| Some(i.config.issuer.as_str()) == iss)
        .collect();
    let issuer = match named.iter().find(|i| i.config.trusted_for(exchange)) {
        Some(issuer) => (*issuer).clone(),
        None if named.is_empty() => return Err(Refusal::UnknownIssuer),
        None => return Err(Refusal::NotTrustedFor(exchange)),
    };
    let kid = header.kid.as_deref().ok_or(Refusal::UnknownKey)?;
    let key = issuer.keys.key(kid).await.ok_or(Refusal::UnknownKey)?;
    if key.algorithm != algorithm {
        return Err(Refusal::AlgorithmNotTheKeys);
    }
    let message = &token[..token.len() - signature.len() - 1];
    let verified =
        jsonwebtoken::crypto::verify(signature, message.as_bytes(), &key.decoding, algorithm)
            .unwrap_or(false);
    if !verified {
        return Err(Refusal::BadSignature);
    }
    let (app_id, expires) = check_claims(&issuer.config, exchange, &claims, now)?;
    Ok(Verified {
        issuer,
        claims,
        app_id,
        expires,
    })
}

fn check_claims(
    issuer: &TrustedIssuer,
    exchange: Exchange,
    claims: &Map<String, Value>,
    now: Timestamp,
) -> Result<(String, Timestamp), Refusal> {
    let audiences = issuer.audiences_for(exchange);
    let accepted = |aud: &str| audiences.iter().any(|a| a == aud);
    let audience_matches = match claims.get("aud") {
        Some(Value::String(aud)) => accepted(aud),
        Some(Value::Array(auds)) => auds.iter().filter_map(Value::as_str).any(accepted),
        _ => false,
    };
    if !audience_matches {
        return Err(Refusal::WrongAudience);
    }
    let now = now.unix_seconds();
    let exp = seconds(claims, "exp").ok_or(Refusal::Malformed("no numeric exp"))?;
    // No leeway on exp: the exchanged token expires with this one, and one
    // that has expired by this server's clock would be born dead.
    if exp <= now {
        return Err(Refusal::Expired);
    }
    if seconds(claims, "nbf").is_some_and(|nbf| nbf > now + TrustedIssuer::LEEWAY_SECONDS) {
        return Err(Refusal::NotYetValid);
    }
    let app_id = ["azp", "appid"]
        .iter()
        .find_map(|name| claims.get(*name).and_then(Value::as_str));
    // Management tokens' principals hold roles instead: any application.
    if exchange == Exchange::Management {
        return Ok((
            app_id.unwrap_or_default().to_owned(),
            Timestamp::from_unix_seconds(exp),
        ));
    }
    let app_id = app_id.ok_or(Refusal::Malformed("neither azp nor appid"))?;
    if !issuer.allows_client(app_id) {
        return Err(Refusal::UntrustedApplication);
    }
    Ok((app_id.to_owned(), Timestamp::from_unix_seconds(exp)))
}

/// Whether the space-separated `scp` holds `scope`, written short (as
/// Entra writes it) or behind one of `audiences` and a `/`.
pub(super) fn has_scope(claims: &Map<String, Value>, scope: &str, audiences: &[&str]) -> bool {
    claims
        .get("scp")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .split_whitespace()
        .any(|granted| {
            granted == scope
                || audiences.iter().any(|aud| {
                    granted.strip_prefix(aud).and_then(|r| r.strip_prefix('/')) == Some(scope)
                })
        })
}

fn decode_json<T: serde::de::DeserializeOwned>(part: &str) -> Option<T> {
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A NumericDate: JSON numbers, fractions allowed.
fn seconds(claims: &Map<String, Value>, name: &str) -> Option<i64> {
    let value = claims.get(name)?;
    value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.is_finite())
            .map(|f| f.floor() as i64)
    })
}
