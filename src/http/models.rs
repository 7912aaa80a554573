//! Bodies shared by several operations, as the ACS REST specification
//! names them.

use crate::domain::{IdentityId, Timestamp};
use crate::storage::IdentityRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A token scope.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[allow(dead_code)]
pub enum TokenScope {
    #[serde(rename = "chat")]
    Chat,
    #[serde(rename = "voip")]
    Voip,
    #[serde(rename = "chat.join")]
    ChatJoin,
    #[serde(rename = "chat.join.limited")]
    ChatJoinLimited,
    #[serde(rename = "voip.join")]
    VoipJoin,
}

/// An access token.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// Identifier of the identity, `8:acs:<resource id>_<guid>`.
    pub id: String,
    /// The external id associated with the identity, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// When a token was last issued for the identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub last_token_issued_at: Option<String>,
}

impl Identity {
    pub fn of(record: &IdentityRecord) -> Self {
        Identity {
            id: record.id.to_string(),
            external_id: record.external_id.as_ref().map(|e| e.as_str().to_owned()),
            last_token_issued_at: record.last_token_issued_at.map(|t| t.to_acs_string()),
        }
    }

    pub fn id_only(id: IdentityId) -> Self {
        Identity {
            id: id.to_string(),
            external_id: None,
            last_token_issued_at: None,
        }
    }
}
