//! The store, measured: a decorator that times every call by backend and
//! operation and counts the identity events that became durable (creates,
//! revocations, deletes). `Application::build` wraps the store in it when
//! metrics are on, so the backends stay as they are. A new `Store` method
//! is one more delegating line here: `self.timed("name", self.inner.name(…))`.

use super::RoleStore;
use super::{
    AssignmentChange, AssignmentStore, Created, Deleted, EventsRead, IdentityPage, IdentityRecord,
    LeaseOwner, ListQuery, NewIdentity, NewSubscription, Progress, Put, Store, StoreError,
    StoreProbes, StoredSigningKey, StoredSubscription, StoredValue, SubscriptionCounts,
    SubscriptionStore, TokenState,
};
use crate::domain::RoleGrant;
use crate::domain::{
    AccessKey, Assignment, AssignmentKey, AssignmentKind, AssignmentVersion, EntraId, FeedPosition,
    IdentityId, KeySlot, ListFilter, Resource, ResourceId, RevocationEpoch, Secret,
    StoredAssignment, SubscriptionId, SubscriptionState, Timestamp,
};
use crate::metrics::StoreMetrics;
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Instant;

pub struct MeasuredStore {
    inner: Arc<dyn Store>,
    backend: &'static str,
    metrics: StoreMetrics,
}

impl MeasuredStore {
    pub fn new(inner: Arc<dyn Store>, backend: &'static str, metrics: StoreMetrics) -> Self {
        MeasuredStore {
            inner,
            backend,
            metrics,
        }
    }

    async fn timed<T>(
        &self,
        operation: &'static str,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        let started = Instant::now();
        let result = call.await;
        self.metrics
            .observe(self.backend, operation, started.elapsed());
        result
    }
}

#[async_trait]
impl Store for MeasuredStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.timed("ping", self.inner.ping()).await
    }

    async fn resources(&self) -> Result<Vec<Resource>, StoreError> {
        self.timed("resources", self.inner.resources()).await
    }

    async fn insert_resource(&self, resource: Resource) -> Result<(), StoreError> {
        self.timed("insert_resource", self.inner.insert_resource(resource))
            .await
    }

    async fn replace_key(
        &self,
        id: ResourceId,
        slot: KeySlot,
        key: AccessKey,
    ) -> Result<bool, StoreError> {
        self.timed("replace_key", self.inner.replace_key(id, slot, key))
            .await
    }

    async fn create_identity(&self, new: NewIdentity) -> Result<Created, StoreError> {
        let created = self
            .timed("create_identity", self.inner.create_identity(new))
            .await?;
        if matches!(created, Created::New(_)) {
            self.metrics.identities_created.inc();
        }
        Ok(created)
    }

    async fn identity(&self, id: IdentityId) -> Result<Option<IdentityRecord>, StoreError> {
        self.timed("identity", self.inner.identity(id)).await
    }

    async fn token_state(&self, id: IdentityId) -> Result<Option<TokenState>, StoreError> {
        self.timed("token_state", self.inner.token_state(id)).await
    }

    async fn revoke_tokens_by(
        &self,
        id: IdentityId,
        actor: Option<String>,
    ) -> Result<Option<RevocationEpoch>, StoreError> {
        let epoch = self
            .timed("revoke_tokens", self.inner.revoke_tokens_by(id, actor))
            .await?;
        if epoch.is_some() {
            self.metrics.revocations.inc();
        }
        Ok(epoch)
    }

    async fn delete_identity_by(
        &self,
        id: IdentityId,
        actor: Option<String>,
    ) -> Result<Deleted, StoreError> {
        let deleted = self
            .timed("delete_identity", self.inner.delete_identity_by(id, actor))
            .await?;
        if deleted == Deleted::Now {
            self.metrics.identities_deleted.inc();
        }
        Ok(deleted)
    }

    async fn list_identities(&self, query: &ListQuery) -> Result<IdentityPage, StoreError> {
        self.timed("list_identities", self.inner.list_identities(query))
            .await
    }

    async fn count_identities(
        &self,
        resource: ResourceId,
        filter: &ListFilter,
    ) -> Result<u64, StoreError> {
        self.timed(
            "count_identities",
            self.inner.count_identities(resource, filter),
        )
        .await
    }

    async fn identity_events(
        &self,
        resource: ResourceId,
        after: FeedPosition,
        limit: usize,
    ) -> Result<EventsRead, StoreError> {
        self.timed(
            "identity_events",
            self.inner.identity_events(resource, after, limit),
        )
        .await
    }

    async fn feed_end(&self) -> Result<FeedPosition, StoreError> {
        self.timed("feed_end", self.inner.feed_end()).await
    }

    async fn prune_events(&self, cutoff: Timestamp) -> Result<u64, StoreError> {
        self.timed("prune_events", self.inner.prune_events(cutoff))
            .await
    }

    async fn paging_secret(&self) -> Result<Secret, StoreError> {
        self.timed("paging_secret", self.inner.paging_secret())
            .await
    }

    /// Not timed: it only notes the time in memory.
    fn token_issued(&self, id: IdentityId, at: Timestamp) {
        self.inner.token_issued(id, at);
    }

    async fn flush_token_times(&self) -> Result<(), StoreError> {
        self.timed("flush_token_times", self.inner.flush_token_times())
            .await
    }

    async fn signing_keys(&self) -> Result<Vec<StoredSigningKey>, StoreError> {
        self.timed("signing_keys", self.inner.signing_keys()).await
    }

    async fn insert_signing_key(&self, key: StoredSigningKey) -> Result<(), StoreError> {
        self.timed("insert_signing_key", self.inner.insert_signing_key(key))
            .await
    }

    async fn sealed_values(&self) -> Result<Vec<StoredValue>, StoreError> {
        self.timed("sealed_values", self.inner.sealed_values())
            .await
    }

    async fn replace_sealed(&self, value: &StoredValue, text: String) -> Result<bool, StoreError> {
        self.timed("replace_sealed", self.inner.replace_sealed(value, text))
            .await
    }

    fn probes(&self) -> StoreProbes {
        self.inner.probes()
    }
}

#[async_trait]
impl AssignmentStore for MeasuredStore {
    async fn assignment(
        &self,
        resource: ResourceId,
        key: AssignmentKey,
    ) -> Result<Option<StoredAssignment>, StoreError> {
        self.timed("assignment", self.inner.assignment(resource, key))
            .await
    }

    async fn put_assignment(
        &self,
        resource: ResourceId,
        assignment: Assignment,
        version: AssignmentVersion,
    ) -> Result<Put, StoreError> {
        self.timed(
            "put_assignment",
            self.inner.put_assignment(resource, assignment, version),
        )
        .await
    }

    async fn delete_assignment(
        &self,
        resource: ResourceId,
        key: AssignmentKey,
    ) -> Result<bool, StoreError> {
        self.timed(
            "delete_assignment",
            self.inner.delete_assignment(resource, key),
        )
        .await
    }

    async fn assignments(
        &self,
        resource: ResourceId,
        kind: AssignmentKind,
        after: Option<AssignmentKey>,
        limit: usize,
    ) -> Result<Vec<StoredAssignment>, StoreError> {
        self.timed(
            "assignments",
            self.inner.assignments(resource, kind, after, limit),
        )
        .await
    }

    async fn update_assignments(
        &self,
        resource: ResourceId,
        changes: Vec<AssignmentChange>,
    ) -> Result<Vec<StoredAssignment>, StoreError> {
        self.timed(
            "update_assignments",
            self.inner.update_assignments(resource, changes),
        )
        .await
    }

    async fn assignments_for(
        &self,
        resource: ResourceId,
        kind: AssignmentKind,
        objects: &[EntraId],
    ) -> Result<Vec<StoredAssignment>, StoreError> {
        self.timed(
            "assignments_for",
            self.inner.assignments_for(resource, kind, objects),
        )
        .await
    }
}

#[async_trait]
impl SubscriptionStore for MeasuredStore {
    async fn create_subscription(
        &self,
        new: NewSubscription,
    ) -> Result<Option<StoredSubscription>, StoreError> {
        self.timed("create_subscription", self.inner.create_subscription(new))
            .await
    }

    async fn subscription(
        &self,
        resource: ResourceId,
        id: SubscriptionId,
    ) -> Result<Option<StoredSubscription>, StoreError> {
        self.timed("subscription", self.inner.subscription(resource, id))
            .await
    }

    async fn subscriptions(
        &self,
        resource: ResourceId,
    ) -> Result<Vec<StoredSubscription>, StoreError> {
        self.timed("subscriptions", self.inner.subscriptions(resource))
            .await
    }

    async fn delete_subscription(
        &self,
        resource: ResourceId,
        id: SubscriptionId,
    ) -> Result<bool, StoreError> {
        self.timed(
            "delete_subscription",
            self.inner.delete_subscription(resource, id),
        )
        .await
    }

    async fn set_subscription_state(
        &self,
        resource: ResourceId,
        id: SubscriptionId,
        state: SubscriptionState,
        at: Timestamp,
    ) -> Result<Option<StoredSubscription>, StoreError> {
        self.timed(
            "set_subscription_state",
            self.inner.set_subscription_state(resource, id, state, at),
        )
        .await
    }

    async fn lease_subscriptions(
        &self,
        owner: &LeaseOwner,
        now: Timestamp,
        until: Timestamp,
        limit: usize,
    ) -> Result<Vec<StoredSubscription>, StoreError> {
        self.timed(
            "lease_subscriptions",
            self.inner.lease_subscriptions(owner, now, until, limit),
        )
        .await
    }

    async fn record_progress(
        &self,
        id: SubscriptionId,
        owner: &LeaseOwner,
        progress: Progress,
    ) -> Result<bool, StoreError> {
        self.timed(
            "record_progress",
            self.inner.record_progress(id, owner, progress),
        )
        .await
    }

    async fn subscription_counts(&self) -> Result<SubscriptionCounts, StoreError> {
        self.timed("subscription_counts", self.inner.subscription_counts())
            .await
    }
}

#[async_trait]
impl RoleStore for MeasuredStore {
    async fn grant_role(&self, resource: ResourceId, grant: RoleGrant) -> Result<bool, StoreError> {
        self.timed("grant_role", self.inner.grant_role(resource, grant))
            .await
    }

    async fn revoke_role(
        &self,
        resource: ResourceId,
        grant: RoleGrant,
    ) -> Result<bool, StoreError> {
        self.timed("revoke_role", self.inner.revoke_role(resource, grant))
            .await
    }

    async fn role_grants(&self) -> Result<Vec<(ResourceId, RoleGrant)>, StoreError> {
        self.timed("role_grants", self.inner.role_grants()).await
    }
}
