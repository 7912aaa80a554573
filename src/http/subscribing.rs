//! What the subscription operations and the webhook triggers share:
//! making a subscription once its callback URL passed the policy (the
//! write completes even when the client hangs up), its `Location`, its
//! answer, and reading a subscription id from a path.

use crate::acs::subscriptions::Subscription;
use crate::domain::{
    CallbackUrl, CustomId, EventKinds, Invalid, Resource, SubscriptionId, Timestamp, WebhookSecret,
};
use crate::error::ApiError;
use crate::http::ApiRequest;
use crate::http::links::Origin;
use crate::http::state::AppState;
use crate::storage::subscriptions::MAX_PER_RESOURCE;
use crate::storage::{NewSubscription, StoredSubscription};

/// What a commid operation on subscriptions says to a connection string
/// of a real ACS resource.
pub const PURPOSE: &str = "manage webhook subscriptions";

/// Runs `work` to its end even if the request that started it is dropped
/// (actix drops a handler when its client hangs up): a write and its
/// effects happen together or not at all.
pub async fn completed<T: Send + 'static>(
    work: impl Future<Output = T> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::spawn(work).await.map_err(ApiError::internal)
}

/// A new subscription of `resource` to `kinds` (and `custom_id`) at
/// `callback`, once the policy let the URL through, its host resolved.
pub async fn subscribe(
    state: &AppState,
    resource: &Resource,
    callback: CallbackUrl,
    kinds: EventKinds,
    custom_id: Option<CustomId>,
) -> Result<StoredSubscription, ApiError> {
    state
        .callbacks
        .check_resolved(&callback)
        .await
        .map_err(|refusal| {
            ApiError::validation(Invalid::new(
                format!("The callback URL is refused: {refusal}."),
                "callbackUrl",
            ))
        })?;
    let new = NewSubscription {
        id: SubscriptionId::generate(),
        resource: resource.id,
        callback_url: callback,
        kinds,
        custom_id,
        secret: WebhookSecret::generate(),
        created_at: Timestamp::now(),
    };
    let (store, origin, name) = (
        state.store.clone(),
        new.callback_url.origin(),
        resource.name.as_str().to_owned(),
    );
    let created = completed(async move {
        let created = store.create_subscription(new).await;
        if let Ok(Some(s)) = &created {
            log::info!(
                "webhook subscription {} of resource {name} made, delivering to {origin}",
                s.id
            );
        }
        created
    })
    .await??;
    created.ok_or_else(|| {
        ApiError::validation(Invalid::untargeted(format!(
            "The resource has {MAX_PER_RESOURCE} webhook subscriptions, the most it may: delete one first."
        )))
    })
}

/// The subscription's URL, through the gateway when the request came that
/// way: what Power Automate deletes when the flow is turned off.
pub fn location(req: &ApiRequest, resource: &Resource, id: SubscriptionId) -> String {
    Origin::of(req.http(), resource).link(&format!(
        "/webhookSubscriptions/{id}?api-version={}",
        req.api_version.as_str()
    ))
}

/// The `{subscriptionId}` path segment.
pub fn subscription_id(raw: &str) -> Result<SubscriptionId, ApiError> {
    SubscriptionId::parse(raw).map_err(ApiError::validation)
}

/// A subscription as the API answers it; its secret only when it was just
/// made.
pub fn answered(s: &StoredSubscription, with_secret: bool) -> Subscription {
    let failing = s.failures > 0 && s.state == crate::domain::SubscriptionState::Active;
    Subscription {
        id: s.id.to_string(),
        callback_url: s.callback_url.as_str().to_owned(),
        event_kinds: s.kinds.kinds(),
        custom_id: s.custom_id.as_ref().map(|c| c.as_str().to_owned()),
        state: s.state,
        created_at: s.created_at.to_acs_string(),
        delivered: s.delivered,
        failures: s.failures,
        next_attempt_at: failing.then(|| s.next_attempt_at.to_acs_string()),
        last_attempt_at: s.last_attempt_at.map(|t| t.to_acs_string()),
        last_delivered_at: s.last_delivered_at.map(|t| t.to_acs_string()),
        last_error: s.last_error.clone(),
        secret: with_secret.then(|| s.secret.expose().to_owned()),
    }
}
