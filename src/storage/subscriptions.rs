//! Webhook subscriptions: a trait of their own, which every
//! [`Store`](super::Store) also implements, and the stored columns every
//! backend shares. A subscription keeps its place in the change feed
//! (`position`: the last event delivered or passed over), so delivery
//! resumes where it stopped; a lease (`lease_owner`, `lease_until`) lets one
//! deliverer at a time work on it, and expires when that deliverer dies.

use super::StoreError;
use super::sealing::SUBSCRIPTION_SECRET;
use crate::domain::{
    CallbackUrl, CustomId, EventKinds, FeedPosition, Member, ResourceId, SubscriptionId,
    SubscriptionState, Timestamp, WebhookSecret,
};
use crate::vault::Vault;
use async_trait::async_trait;

/// Subscriptions a resource may have, at most.
pub const MAX_PER_RESOURCE: usize = 1000;

#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub id: SubscriptionId,
    pub resource: ResourceId,
    pub callback_url: CallbackUrl,
    pub kinds: EventKinds,
    /// Only events of the identity with this custom id.
    pub custom_id: Option<CustomId>,
    pub secret: WebhookSecret,
    pub created_at: Timestamp,
}

/// A subscription as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSubscription {
    pub id: SubscriptionId,
    pub resource: ResourceId,
    pub callback_url: CallbackUrl,
    pub kinds: EventKinds,
    pub custom_id: Option<CustomId>,
    pub secret: WebhookSecret,
    pub created_at: Timestamp,
    /// The last event delivered, or passed over as not asked for.
    pub position: FeedPosition,
    pub state: SubscriptionState,
    /// Failed attempts since the last delivery.
    pub failures: u32,
    /// When a deliverer should try next.
    pub next_attempt_at: Timestamp,
    pub last_attempt_at: Option<Timestamp>,
    pub last_delivered_at: Option<Timestamp>,
    /// Why the last attempt failed (no secret, no URL query).
    pub last_error: Option<String>,
    /// Events delivered so far.
    pub delivered: u64,
}

/// Which deliverer holds a lease: one per running server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseOwner(pub String);

impl LeaseOwner {
    pub fn generate() -> Self {
        LeaseOwner(uuid::Uuid::new_v4().simple().to_string())
    }
}

/// What a lease holder did with its subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Delivered `delivered` events, or passed over events not asked for,
    /// through `position`; keeps the lease until `lease_until`.
    Advanced {
        position: FeedPosition,
        delivered: u64,
        at: Timestamp,
        lease_until: Timestamp,
    },
    /// Nothing new: keeps the lease until `lease_until`.
    Renewed { lease_until: Timestamp },
    /// An attempt failed: counted, the lease given up, and the next attempt
    /// at `retry_at`, unless `suspend`.
    Failed {
        at: Timestamp,
        error: String,
        retry_at: Timestamp,
        suspend: bool,
    },
    /// Gives the lease up (a graceful stop), due again at once.
    Released,
}

#[async_trait]
pub trait SubscriptionStore: Send + Sync {
    /// Adds it at the feed's current end: it is delivered what happens
    /// next. `None` (nothing added) when the resource has
    /// [`MAX_PER_RESOURCE`] already.
    async fn create_subscription(
        &self,
        new: NewSubscription,
    ) -> Result<Option<StoredSubscription>, StoreError>;

    async fn subscription(
        &self,
        resource: ResourceId,
        id: SubscriptionId,
    ) -> Result<Option<StoredSubscription>, StoreError>;

    /// The resource's subscriptions, oldest first.
    async fn subscriptions(
        &self,
        resource: ResourceId,
    ) -> Result<Vec<StoredSubscription>, StoreError>;

    /// `false` when there was none.
    async fn delete_subscription(
        &self,
        resource: ResourceId,
        id: SubscriptionId,
    ) -> Result<bool, StoreError>;

    /// Suspends it, or resumes it (failures forgotten, due at `at`, from
    /// where it stopped); either takes its lease away. `None` when there is
    /// none.
    async fn set_subscription_state(
        &self,
        resource: ResourceId,
        id: SubscriptionId,
        state: SubscriptionState,
        at: Timestamp,
    ) -> Result<Option<StoredSubscription>, StoreError>;

    /// Leases to `owner`, until `until`, at most `limit` active
    /// subscriptions due at `now` that no one holds (or whose holder's lease
    /// expired), the longest due first.
    async fn lease_subscriptions(
        &self,
        owner: &LeaseOwner,
        now: Timestamp,
        until: Timestamp,
        limit: usize,
    ) -> Result<Vec<StoredSubscription>, StoreError>;

    /// Records what `owner` did; `false` (nothing recorded) when it no
    /// longer holds the lease: taken over, suspended, resumed or deleted.
    async fn record_progress(
        &self,
        id: SubscriptionId,
        owner: &LeaseOwner,
        progress: Progress,
    ) -> Result<bool, StoreError>;

    /// How many subscriptions are active and how many suspended, of every
    /// resource.
    async fn subscription_counts(&self) -> Result<SubscriptionCounts, StoreError>;
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SubscriptionCounts {
    pub active: u64,
    pub suspended: u64,
}

/// The secret as stored, and back: the one place its column is written
/// and read, sealed with the vault (`storage/sealing.rs`) when keys are
/// configured.
pub(crate) fn secret_column(
    vault: &Vault,
    id: SubscriptionId,
    secret: &WebhookSecret,
) -> Result<String, StoreError> {
    vault
        .seal(SUBSCRIPTION_SECRET.at(&id.to_string()), secret.expose())
        .map_err(|e| {
            StoreError::Internal(format!("cannot seal the secret of subscription {id}: {e}"))
        })
}

fn secret_from_column(vault: &Vault, id: &str, text: &str) -> Option<WebhookSecret> {
    let opened = vault.open(SUBSCRIPTION_SECRET.at(id), text).ok()?;
    WebhookSecret::parse(opened.expose())
}

/// The columns every query selects, in [`SubscriptionColumns`]' order.
pub(crate) const SUBSCRIPTION_COLUMNS: &str = "id, resource_id, callback_url, kinds, custom_id, \
    secret, created_at, position, state, failures, next_attempt_at, last_attempt_at, \
    last_delivered_at, last_error, delivered";

/// `id, resource_id, callback_url, kinds, custom_id, secret, created_at,
/// position, state, failures, next_attempt_at, last_attempt_at,
/// last_delivered_at, last_error, delivered`
pub(crate) type SubscriptionColumns = (
    String,
    String,
    String,
    i64,
    Option<String>,
    String,
    i64,
    i64,
    String,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    i64,
);

/// A stored row as a domain value; one that does not parse (or whose
/// secret does not open) is corruption.
pub(crate) fn stored(
    row: SubscriptionColumns,
    vault: &Vault,
) -> Result<StoredSubscription, StoreError> {
    let (id, resource, url, kinds, custom_id, secret, created_at, position, state, failures) = (
        row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9,
    );
    let corrupt = |what: &str| StoreError::Internal(format!("stored subscription {id}: {what}"));
    Ok(StoredSubscription {
        id: SubscriptionId::parse(&id).map_err(|_| corrupt("id"))?,
        resource: ResourceId::parse(&resource).map_err(|_| corrupt("resource_id"))?,
        callback_url: CallbackUrl::parse(&url).map_err(|_| corrupt("callback_url"))?,
        kinds: EventKinds::from_mask(kinds).ok_or_else(|| corrupt("kinds"))?,
        custom_id: custom_id
            .map(|c| CustomId::parse(c, Member::CustomId))
            .transpose()
            .map_err(|_| corrupt("custom_id"))?,
        secret: secret_from_column(vault, &id, &secret).ok_or_else(|| corrupt("secret"))?,
        created_at: Timestamp::from_micros(created_at),
        position: FeedPosition(u64::try_from(position).map_err(|_| corrupt("position"))?),
        state: SubscriptionState::parse(&state).ok_or_else(|| corrupt("state"))?,
        failures: u32::try_from(failures).map_err(|_| corrupt("failures"))?,
        next_attempt_at: Timestamp::from_micros(row.10),
        last_attempt_at: row.11.map(Timestamp::from_micros),
        last_delivered_at: row.12.map(Timestamp::from_micros),
        last_error: row.13,
        delivered: u64::try_from(row.14).map_err(|_| corrupt("delivered"))?,
    })
}

/// The row a new subscription starts as, at `position`.
pub(crate) fn created(new: NewSubscription, position: FeedPosition) -> StoredSubscription {
    StoredSubscription {
        id: new.id,
        resource: new.resource,
        callback_url: new.callback_url,
        kinds: new.kinds,
        custom_id: new.custom_id,
        secret: new.secret,
        created_at: new.created_at,
        position,
        state: SubscriptionState::Active,
        failures: 0,
        next_attempt_at: new.created_at,
        last_attempt_at: None,
        last_delivered_at: None,
        last_error: None,
        delivered: 0,
    }
}
