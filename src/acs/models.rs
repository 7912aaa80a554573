//! The JSON bodies of the operations, as the ACS REST specification names
//! them: what the server writes and the client reads, defined once.

use crate::domain::{CustomId, EventKind, IdentityId, Scope, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    /// The access token issued for the identity.
    pub token: String,
    /// When the token expires, for example `2023-10-10T21:39:39.0000000+00:00`.
    #[schema(format = DateTime)]
    pub expires_on: String,
}

impl AccessToken {
    pub fn new(token: String, expires_on: Timestamp) -> Self {
        AccessToken {
            token,
            expires_on: expires_on.to_acs_string(),
        }
    }
}

/// A communication identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// Identifier of the identity, `8:acs:<resource id>_<guid>`.
    pub id: String,
    /// The custom id associated with the identity, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    /// Deprecated: the custom id under the name commid gave it first, in
    /// answers to requests that used that name, and in get answers outside
    /// 2025-03-02-preview (which follows ACS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(deprecated)]
    pub external_id: Option<String>,
    /// When a token was last issued for the identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub last_token_issued_at: Option<String>,
}

impl Identity {
    /// Just the id.
    pub fn id_only(id: IdentityId) -> Self {
        Identity {
            id: id.to_string(),
            custom_id: None,
            external_id: None,
            last_token_issued_at: None,
        }
    }

    /// The id, the custom id as `customId` and the token time.
    pub fn with_custom_id(
        id: IdentityId,
        custom_id: Option<&CustomId>,
        last_token_issued_at: Option<Timestamp>,
    ) -> Self {
        Identity {
            custom_id: custom_id.map(|c| c.as_str().to_owned()),
            last_token_issued_at: last_token_issued_at.map(|t| t.to_acs_string()),
            ..Identity::id_only(id)
        }
    }

    /// Also names the custom id `externalId`, as commid did first.
    pub fn also_as_external_id(mut self) -> Self {
        self.external_id = self.custom_id.clone();
        self
    }
}

/// An identity in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListedIdentity {
    /// Identifier of the identity.
    pub id: String,
    /// The custom id associated with the identity, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    /// The custom id when there is one, else the id: a name to show.
    pub display_name: String,
    /// When the identity was created.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When a token was last issued for the identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub last_token_issued_at: Option<String>,
}

impl ListedIdentity {
    pub fn new(
        id: IdentityId,
        custom_id: Option<&CustomId>,
        created_at: Timestamp,
        last_token_issued_at: Option<Timestamp>,
    ) -> Self {
        let custom_id = custom_id.map(|c| c.as_str().to_owned());
        ListedIdentity {
            display_name: custom_id.clone().unwrap_or_else(|| id.to_string()),
            id: id.to_string(),
            custom_id,
            created_at: created_at.to_acs_string(),
            last_token_issued_at: last_token_issued_at.map(|t| t.to_acs_string()),
        }
    }
}

/// A page of identities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdentityList {
    /// The identities of this page, in the order asked for.
    pub value: Vec<ListedIdentity>,
    /// The URL of the next page (relative to the endpoint); absent on the
    /// last page. A page may hold fewer items than asked for, even none,
    /// while this is present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}

/// How many identities match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IdentityCount {
    /// The number of live identities that pass the filters.
    pub count: u64,
}

/// Something that happened to an identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdentityEvent {
    /// The event's place in the feed: later events have larger numbers.
    pub sequence: u64,
    pub kind: EventKind,
    /// Identifier of the identity.
    pub id: String,
    /// The identity's custom id when it happened, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    /// When it happened.
    #[schema(format = DateTime)]
    pub at: String,
    /// Who made the change: `key:primary` or `key:secondary`, or the
    /// principal and its issuer (`oid:<object id>@<issuer>`) of a Bearer
    /// token. Absent for changes recorded before commid kept it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// Events of the change feed, and where to read on from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdentityEvents {
    /// The events after the cursor given, in order.
    pub value: Vec<IdentityEvent>,
    /// Pass it as `since` next time.
    pub cursor: String,
    /// The URL to call at once: more events are waiting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}

/// Why a token is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum InvalidReason {
    /// Its lifetime has passed.
    Expired,
    /// The identity's tokens were revoked after it was issued.
    Revoked,
    /// The identity was deleted.
    Deleted,
    /// Not signed by a key of this service, or altered.
    BadSignature,
    /// Issued for another resource.
    WrongResource,
    /// Not a token of this service's form.
    Malformed,
}

/// The verdict. When valid: the identity, scopes and expiry; otherwise the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerifyTokenResponse {
    /// Whether the token is valid now.
    pub valid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<VerifiedIdentity>,
    /// The token's scopes, when valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<Scope>>,
    /// When the token expires, when valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub expires_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<InvalidReason>,
}

impl VerifyTokenResponse {
    pub fn invalid(reason: InvalidReason) -> Self {
        VerifyTokenResponse {
            valid: false,
            identity: None,
            scopes: None,
            expires_on: None,
            reason: Some(reason),
        }
    }
}

/// The identity a valid token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VerifiedIdentity {
    /// Identifier of the identity.
    pub id: String,
}

/// The ACS error envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorResponse {
    pub error: ErrorBody,
}

/// The Communication Services error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// The error code, for example `ValidationError` or `Denied`.
    pub code: String,
    /// What was wrong, for a person to read.
    pub message: String,
    /// The request member the error concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}
