//! The store, measured: a decorator that times every call by backend and
//! operation and counts the identity events that became durable (creates,
//! revocations, deletes). `Application::build` wraps the store in it when
//! metrics are on, so the backends stay as they are. A new `Store` method
//! is one more delegating line here: `self.timed("name", self.inner.name(…))`.

use super::{
    Created, Deleted, IdentityRecord, NewIdentity, Store, StoreError, StoreProbes, StoredSigningKey,
};
use crate::domain::{
    AccessKey, IdentityId, KeySlot, Resource, ResourceId, RevocationEpoch, Timestamp,
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

    async fn revoke_tokens(&self, id: IdentityId) -> Result<Option<RevocationEpoch>, StoreError> {
        let epoch = self
            .timed("revoke_tokens", self.inner.revoke_tokens(id))
            .await?;
        if epoch.is_some() {
            self.metrics.revocations.inc();
        }
        Ok(epoch)
    }

    async fn delete_identity(&self, id: IdentityId) -> Result<Deleted, StoreError> {
        let deleted = self
            .timed("delete_identity", self.inner.delete_identity(id))
            .await?;
        if deleted == Deleted::Now {
            self.metrics.identities_deleted.inc();
        }
        Ok(deleted)
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

    fn probes(&self) -> StoreProbes {
        self.inner.probes()
    }
}
