//! The JSON bodies of the operations, as the ACS REST specification names
//! them: what the server writes and the client reads, defined once.

use crate::domain::{ExternalId, IdentityId, Scope, Timestamp};
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
    /// The external id associated with the identity, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// When a token was last issued for the identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub last_token_issued_at: Option<String>,
}

impl Identity {
    pub fn new(
        id: IdentityId,
        external_id: Option<&ExternalId>,
        last_token_issued_at: Option<Timestamp>,
    ) -> Self {
        Identity {
            id: id.to_string(),
            external_id: external_id.map(|e| e.as_str().to_owned()),
            last_token_issued_at: last_token_issued_at.map(|t| t.to_acs_string()),
        }
    }
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
