//! The store's side: the latency of every store call by backend and
//! operation, and the identity events it made durable (creates,
//! revocations, deletes). Fed by `storage::measured`, the decorator that
//! wraps the store when metrics are on.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use std::time::Duration;

/// Seconds, from 20 µs (a SQLite read) to 10 s (past the database deadline).
const STORE_BUCKETS: [f64; 15] = [
    0.00002, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5,
    2.5, 10.0,
];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StoreCall {
    backend: &'static str,
    operation: &'static str,
}

/// Cheap to clone: clones share the series.
#[derive(Clone)]
pub struct StoreMetrics {
    calls: Family<StoreCall, Histogram, fn() -> Histogram>,
    /// New identities (not a create that found its external id mapped).
    pub identities_created: Counter,
    /// Revokes that raised an identity's revocation epoch.
    pub revocations: Counter,
    /// Deletes of live identities.
    pub identities_deleted: Counter,
}

impl StoreMetrics {
    pub(super) fn new(registry: &mut Registry) -> Self {
        let calls: Family<StoreCall, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(|| Histogram::new(STORE_BUCKETS));
        registry.register_with_unit(
            "commid_store_call_duration",
            "Time of a store call, by backend and operation",
            Unit::Seconds,
            calls.clone(),
        );
        let metrics = StoreMetrics {
            calls,
            identities_created: Counter::default(),
            revocations: Counter::default(),
            identities_deleted: Counter::default(),
        };
        registry.register(
            "commid_identities_created",
            "Identities created",
            metrics.identities_created.clone(),
        );
        registry.register(
            "commid_identity_revocations",
            "Revocations of an identity's tokens (a delete revokes too, and is counted as a delete)",
            metrics.revocations.clone(),
        );
        registry.register(
            "commid_identities_deleted",
            "Identities deleted (not repeated deletes)",
            metrics.identities_deleted.clone(),
        );
        metrics
    }

    /// One call of `operation` on `backend` took `elapsed`.
    pub fn observe(&self, backend: &'static str, operation: &'static str, elapsed: Duration) {
        self.calls
            .get_or_create(&StoreCall { backend, operation })
            .observe(elapsed.as_secs_f64());
    }
}
