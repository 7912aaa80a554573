//! The JSON bodies of webhook subscriptions (commid's own): what the server
//! writes and the client reads, and what a delivery posts, defined once.

use super::models::IdentityEvent;
use crate::domain::{CustomId, EventKind, SubscriptionId, SubscriptionState};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

/// Subscribe a URL to the resource's change feed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateSubscriptionRequest {
    /// The https URL each event is posted to, on a host of the server's
    /// `webhook_allowed_hosts` (by default Power Automate's and Logic Apps'
    /// callback hosts) that resolves to public addresses only.
    #[schema(max_length = 2048, pattern = "^https://[^/?#@]+")]
    pub callback_url: String,
    /// The kinds of event to deliver, at least one.
    #[schema(value_type = Vec<EventKind>, min_items = 1)]
    pub event_kinds: Vec<String>,
    /// Only events of the identity with this custom id.
    #[schema(value_type = Option<CustomId>, inline)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
}

/// What Power Automate and Logic Apps send when a flow with a webhook
/// trigger is saved: where to post the events.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookTriggerRequest {
    /// The flow's callback URL: https, on a host of the server's
    /// `webhook_allowed_hosts` that resolves to public addresses only.
    #[schema(max_length = 2048, pattern = "^https://[^/?#@]+")]
    pub callback_url: String,
}

/// A webhook subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    #[schema(value_type = SubscriptionId)]
    pub id: String,
    /// Where events are posted.
    pub callback_url: String,
    /// The kinds of event delivered.
    pub event_kinds: Vec<EventKind>,
    /// Only events of the identity with this custom id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    pub state: SubscriptionState,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Events delivered so far.
    pub delivered: u64,
    /// Failed attempts since the last delivery.
    pub failures: u32,
    /// When the next attempt is due, while deliveries are failing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub next_attempt_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub last_attempt_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub last_delivered_at: Option<String>,
    /// Why the last attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// The secret deliveries are signed with (`whsec_…`): in the answer
    /// that creates the subscription, and never again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// The resource's subscriptions, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Subscriptions {
    pub value: Vec<Subscription>,
}

/// What a delivery posts: a Standard Webhooks payload, whose `type` says
/// the kind of event and whose `data` is the change feed's event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WebhookEvent {
    #[serde(rename = "type")]
    #[schema(value_type = WebhookEventType)]
    pub event_type: String,
    /// When it happened.
    #[schema(format = DateTime)]
    pub timestamp: String,
    pub data: IdentityEvent,
}

/// A delivery's `type`, one per kind of event.
pub struct WebhookEventType;

impl PartialSchema for WebhookEventType {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .enum_values(Some(EventKind::ALL.iter().map(|k| k.spec().webhook_type)))
            .into()
    }
}

impl ToSchema for WebhookEventType {}
