//! Validated domain types. Nothing in here does I/O: every value that reaches
//! a handler or the store has been checked by one of these constructors.

mod access;
mod addresses;
mod api_version;
mod assigned_user_id;
mod assignment;
mod custom_id;
mod endpoint;
mod entra_id;
mod feed;
mod identity_id;
mod lifetime;
mod listing;
mod resource;
mod revocation;
mod scope;
mod secret;
mod teams_user_id;
mod timestamp;
mod trusted_issuer;
mod trusted_proxies;
mod upstream_hosts;
mod webhook;

pub use access::{Actor, Principal, PrincipalKind, Role, RoleGrant};
pub use addresses::is_public;
pub use api_version::{ApiVersion, EntraApiVersion, Feature, TeamsExtensionApiVersion};
pub use assigned_user_id::AssignedUserId;
pub use assignment::{
    Assignment, AssignmentKey, AssignmentKind, AssignmentVersion, EntraPrincipal, PrincipalType,
    StoredAssignment, parse_client_ids,
};
pub use custom_id::{CustomId, CustomIdPrefix, Member};
pub use endpoint::Endpoint;
pub use entra_id::{EntraId, GUID_PATTERN};
pub use feed::{EventKind, EventKindSpec, FeedPosition};
pub use identity_id::IdentityId;
pub use lifetime::TokenLifetime;
pub use listing::{FILTER_PARAMETERS, ListFilter, ListPosition, Order, PageSize};
pub use resource::{AccessKey, DataLocation, KeySlot, Resource, ResourceId, ResourceName};
pub use revocation::RevocationEpoch;
pub use scope::{Scope, Scopes};
pub use secret::Secret;
pub use teams_user_id::{Subject, TeamsUserId};
pub use timestamp::Timestamp;
pub use trusted_issuer::{Exchange, JwksSource, PortalClient, TrustedIssuer, same_id, web_url};
pub use trusted_proxies::TrustedProxies;
pub use upstream_hosts::{AllowedHosts, DEFAULT_UPSTREAM_HOSTS};
pub use webhook::{CallbackUrl, EventKinds, SubscriptionId, SubscriptionState, WebhookSecret};

/// Why a value was refused: the message a caller sees, and the request member
/// it concerns (the ACS error envelope's `target`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub message: String,
    pub target: Option<&'static str>,
}

impl Invalid {
    pub fn new(message: impl Into<String>, target: &'static str) -> Self {
        Invalid {
            message: message.into(),
            target: Some(target),
        }
    }

    pub fn untargeted(message: impl Into<String>) -> Self {
        Invalid {
            message: message.into(),
            target: None,
        }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Invalid {}

/// Shortens what a caller sent before it is quoted back in a message.
pub(crate) fn quote(input: &str) -> String {
    quote_at_most(input, 80)
}

/// [`quote`] with another length limit.
pub(crate) fn quote_at_most(input: &str, max: usize) -> String {
    if input.chars().count() <= max {
        input.to_owned()
    } else {
        let head: String = input.chars().take(max).collect();
        format!("{head}…")
    }
}
