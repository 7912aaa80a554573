//! The change feed's vocabulary: what happened to an identity, and where a
//! reader is in the feed.
//!
//! Each kind of event is declared once, in [`event_kinds!`] below: its name,
//! stored code, trigger path, texts and webhook type. The polling triggers,
//! the webhook triggers, the connector's triggers and the subscription
//! filter are all derived from [`EventKind::ALL`] and [`EventKind::spec`],
//! so a fourth kind is one more entry there.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What the API, the triggers, the webhooks and the connector say about one
/// kind of event.
#[derive(Debug, PartialEq, Eq)]
pub struct EventKindSpec {
    pub kind: EventKind,
    /// As the API writes it (`created`), in bodies and filters.
    pub name: &'static str,
    /// As stored: a small number, never reused.
    pub code: i16,
    /// The polling trigger, `/triggers/identityCreated`.
    pub polling_path: &'static str,
    /// The webhook trigger's registration, the polling path and
    /// `/subscriptions`.
    pub webhook_path: &'static str,
    /// The polling trigger's OpenAPI operation id.
    pub polling_operation_id: &'static str,
    /// The webhook trigger's OpenAPI operation id.
    pub webhook_operation_id: &'static str,
    /// The polling trigger's operation id in the connector (what makers'
    /// flows refer to: never change it).
    pub connector_polling_id: &'static str,
    /// The webhook trigger's operation id in the connector.
    pub connector_webhook_id: &'static str,
    /// What the event says happened, as a clause: `an identity was created`.
    pub clause: &'static str,
    /// The events of this kind, in the plural: `identities created`.
    pub events: &'static str,
    /// Its name for people: the connector's display name of the kind.
    pub label: &'static str,
    /// The connector's summary of the polling trigger.
    pub summary: &'static str,
    /// The connector's summary of the webhook trigger.
    pub webhook_summary: &'static str,
    /// What fires it, for the connector's descriptions.
    pub fires_on: &'static str,
    /// How a maker makes it fire, for the designer's hint.
    pub hint: &'static str,
    /// A delivery's Standard Webhooks `type`: `identity.created`.
    pub webhook_type: &'static str,
    /// What the payload's identity fields hold for this kind.
    pub payload: &'static str,
}

macro_rules! event_kinds {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident {
            name: $name:literal,
            code: $code:literal,
            trigger: $trigger:literal,
            operation: $operation:literal,
            connector: $connector:literal,
            clause: $clause:literal,
            events: $events:literal,
            label: $label:literal,
            summary: $summary:literal,
            fires_on: $fires_on:literal,
            hint: $hint:literal,
            payload: $payload:literal $(,)?
        }
    ),+ $(,)?) => {
        /// What happened to an identity.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "camelCase")]
        pub enum EventKind {
            $($(#[doc = $doc])* $variant,)+
        }

        /// Every kind, in the order of [`EventKind::ALL`].
        const SPECS: &[EventKindSpec] = &[$(
            EventKindSpec {
                kind: EventKind::$variant,
                name: $name,
                code: $code,
                polling_path: concat!("/triggers/", $trigger),
                webhook_path: concat!("/triggers/", $trigger, "/subscriptions"),
                polling_operation_id: concat!("Triggers_", $operation),
                webhook_operation_id: concat!("Triggers_", $operation, "Subscribe"),
                connector_polling_id: $connector,
                connector_webhook_id: concat!($connector, "Webhook"),
                clause: $clause,
                events: $events,
                label: $label,
                summary: $summary,
                webhook_summary: concat!($summary, " via webhook"),
                fires_on: $fires_on,
                hint: $hint,
                webhook_type: concat!("identity.", $name),
                payload: $payload,
            },
        )+];

        impl EventKind {
            pub const ALL: &[EventKind] = &[$(EventKind::$variant),+];
        }
    };
}

event_kinds! {
    /// The identity was created.
    Created {
        name: "created",
        code: 1,
        trigger: "identityCreated",
        operation: "IdentityCreated",
        connector: "OnCommunicationIdentityCreated",
        clause: "an identity was created",
        events: "identities created",
        label: "User created",
        summary: "When a user is created",
        fires_on: "each user created",
        hint: "To see it work now, create a user.",
        payload: "the new identity, and the custom id it was created with",
    },
    /// The identity was deleted.
    Deleted {
        name: "deleted",
        code: 2,
        trigger: "identityDeleted",
        operation: "IdentityDeleted",
        connector: "OnCommunicationIdentityDeleted",
        clause: "an identity was deleted",
        events: "identities deleted",
        label: "User deleted",
        summary: "When a user is deleted",
        fires_on: "each user deleted",
        hint: "To see it work now, delete a user.",
        payload: "the deleted identity, and the custom id it had",
    },
    /// Every token of the identity was revoked.
    TokensRevoked {
        name: "tokensRevoked",
        code: 3,
        trigger: "identityTokensRevoked",
        operation: "IdentityTokensRevoked",
        connector: "OnIdentityAccessTokensRevoked",
        clause: "every token of an identity was revoked",
        events: "revocations of identities' tokens",
        label: "Tokens revoked",
        summary: "When a user's tokens are revoked",
        fires_on: "each revocation of all access tokens of a user",
        hint: "To see it work now, revoke a user's access tokens.",
        payload: "the identity whose tokens were revoked, and its custom id",
    },
}

impl EventKind {
    /// Everything declared about this kind.
    pub fn spec(self) -> &'static EventKindSpec {
        SPECS
            .iter()
            .find(|s| s.kind == self)
            .expect("every kind is declared")
    }

    /// As the API writes it: `created`.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The kind the API calls `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        SPECS.iter().find(|s| s.name == name).map(|s| s.kind)
    }

    /// As stored: a small number.
    pub fn code(self) -> i16 {
        self.spec().code
    }

    pub fn from_code(code: i64) -> Option<Self> {
        SPECS
            .iter()
            .find(|s| i64::from(s.code) == code)
            .map(|s| s.kind)
    }
}

/// A position in the change feed: the sequence number of the last event a
/// reader has seen (0: none). Sequence numbers rise in the order events
/// become visible, across every instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FeedPosition(pub u64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_stored_codes_and_names() {
        for &kind in EventKind::ALL {
            assert_eq!(EventKind::from_code(i64::from(kind.code())), Some(kind));
            assert_eq!(EventKind::from_name(kind.name()), Some(kind));
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.name()),
                "the serde name is the declared name"
            );
        }
        assert_eq!(EventKind::from_code(9), None);
        assert_eq!(EventKind::from_name("tokensrevoked"), None);
    }

    #[test]
    fn every_declared_name_path_and_operation_id_is_unique() {
        let specs: Vec<&EventKindSpec> = EventKind::ALL.iter().map(|k| k.spec()).collect();
        let fields: [fn(&EventKindSpec) -> String; 7] = [
            |s| s.name.to_owned(),
            |s| s.code.to_string(),
            |s| s.polling_path.to_owned(),
            |s| s.webhook_path.to_owned(),
            |s| s.connector_polling_id.to_owned(),
            |s| s.connector_webhook_id.to_owned(),
            |s| s.webhook_type.to_owned(),
        ];
        for field in fields {
            let mut values: Vec<String> = specs.iter().map(|s| field(s)).collect();
            values.sort();
            values.dedup();
            assert_eq!(values.len(), specs.len(), "{values:?}");
        }
        assert_eq!(
            EventKind::TokensRevoked.spec().webhook_path,
            "/triggers/identityTokensRevoked/subscriptions"
        );
    }
}
