//! The Entra tokens of the exchanges that need an assignment: Teams Phone
//! extensibility and Entra ID users. After the checks every exchange makes
//! (`validate::verified`), each needs its delegated permissions in `scp`
//! and the principal's `tid` and `oid`; the Entra-user exchange also reads
//! `groups`. Whether an assignment admits the principal is the caller's
//! question (it needs the store).

use super::Issuer;
use super::validate::{Refusal, has_scope, verified};
use crate::domain::{EntraId, EntraPrincipal, Exchange, Scopes, Timestamp};
use serde_json::{Map, Value};
use std::sync::Arc;

/// The delegated permission of "Azure Communication Services" that the
/// Teams-extension exchange needs.
pub const TEAMS_EXTENSION_SCOPE: &str = "TeamsExtension.ManageCalls";

/// The delegated permissions of "Azure Communication Services Clients"
/// and the access-token scope each grants.
pub const ENTRA_USER_PERMISSIONS: [(&str, &str); 5] = [
    ("Chat", "chat"),
    ("Chat.Join", "chat.join"),
    ("Chat.Join.Limited", "chat.join.limited"),
    ("VoIP", "voip"),
    ("VoIP.Join", "voip.join"),
];

/// A token that may be exchanged if an assignment admits its principal.
#[derive(Debug)]
pub struct AssignedToken {
    pub principal: EntraPrincipal,
    /// `azp` or `appid`, as written (for the log).
    pub app_id: String,
    pub expires: Timestamp,
    /// What the exchanged token may do: `voip` for the Teams extension;
    /// the scopes of the granted permissions for Entra users.
    pub scopes: Scopes,
}

/// Checks a token for `exchange` (`TeamsExtension` or `EntraUser`).
pub async fn validate_assigned(
    exchange: Exchange,
    issuers: &[Arc<Issuer>],
    token: &str,
    now: Timestamp,
) -> Result<AssignedToken, Refusal> {
    let token = verified(exchange, issuers, token, now).await?;
    let audience = token.issuer.config.audiences_for(exchange)[0].as_str();
    let scopes = match exchange {
        Exchange::EntraUser => {
            let scopes: Vec<String> = ENTRA_USER_PERMISSIONS
                .iter()
                .filter(|(permission, _)| has_scope(&token.claims, permission, &[audience]))
                .map(|(_, scope)| (*scope).to_owned())
                .collect();
            Scopes::parse(Some(&scopes)).map_err(|_| Refusal::MissingScopes(exchange))?
        }
        _ => {
            if !has_scope(&token.claims, TEAMS_EXTENSION_SCOPE, &[audience]) {
                return Err(Refusal::MissingScopes(exchange));
            }
            Scopes::from_joined("voip").expect("a known scope")
        }
    };
    let principal = EntraPrincipal {
        tenant: guid(&token.claims, "tid")?,
        object: guid(&token.claims, "oid")?,
        groups: groups(&token.claims),
        application: EntraId::from_guid(&token.app_id),
    };
    Ok(AssignedToken {
        principal,
        app_id: token.app_id,
        expires: token.expires,
        scopes,
    })
}

fn guid(claims: &Map<String, Value>, name: &'static str) -> Result<EntraId, Refusal> {
    claims
        .get(name)
        .and_then(Value::as_str)
        .and_then(EntraId::from_guid)
        .ok_or(Refusal::MissingClaim(name))
}

/// The group object ids `groups` lists. When a user is in too many groups
/// Entra leaves them out (and names a Graph query in `_claim_names`): such
/// a token matches no group assignment, as no other source is consulted.
fn groups(claims: &Map<String, Value>) -> Vec<EntraId> {
    claims
        .get("groups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(EntraId::from_guid)
        .collect()
}
