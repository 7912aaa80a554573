//! Webhooks: subscriptions to the change feed, delivered to their callback
//! URLs as Standard Webhooks (signed with each subscription's secret), at
//! least once and in feed order, by one deliverer at a time. `policy.rs`
//! keeps commid from being an open relay.

mod backoff;
mod deliverer;
pub mod policy;
pub mod sender;
mod signature;
mod tail;

pub use policy::{CallbackPolicy, Refusal};
pub use sender::SetupError;
pub use signature::sign;

use crate::domain::AllowedHosts;
use std::path::PathBuf;
use std::time::Duration;

/// Power Automate's and Logic Apps' callback hosts: a flow's callback URL
/// is on a Logic Apps regional host (`prod-NN.<region>.logic.azure.com`),
/// or, for flows whose trigger URLs moved to the Power Platform API, on
/// `<environment>.environment.api.powerplatform.com` (docs/connector.md
/// cites both).
pub const DEFAULT_ALLOWED_HOSTS: [&str; 2] =
    ["*.logic.azure.com", "*.environment.api.powerplatform.com"];
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_RETRY_BASE: Duration = Duration::from_secs(5);
pub const DEFAULT_MAX_FAILURES: u32 = 20;

/// The `webhook_*` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookOptions {
    pub allowed_hosts: AllowedHosts,
    /// Deliver to loopback, private and link-local addresses too.
    pub allow_private_addresses: bool,
    /// Certificates to trust besides the system's.
    pub ca_cert: Option<PathBuf>,
    /// The longest one delivery may take, connecting included.
    pub timeout: Duration,
    /// The wait after a first failure; each next one doubles it.
    pub retry_base: Duration,
    /// Failures in a row after which a subscription is suspended.
    pub max_failures: u32,
}

impl Default for WebhookOptions {
    fn default() -> Self {
        WebhookOptions {
            allowed_hosts: default_hosts(),
            allow_private_addresses: false,
            ca_cert: None,
            timeout: DEFAULT_TIMEOUT,
            retry_base: DEFAULT_RETRY_BASE,
            max_failures: DEFAULT_MAX_FAILURES,
        }
    }
}

/// The allow-list's entries, as [`AllowedHosts::parse_as`] reads them.
pub fn parse_hosts<S: AsRef<str>>(entries: &[S]) -> Result<AllowedHosts, crate::domain::Invalid> {
    AllowedHosts::parse_as(entries, "Webhook host", "webhook_allowed_hosts")
}

fn default_hosts() -> AllowedHosts {
    parse_hosts(&DEFAULT_ALLOWED_HOSTS).expect("the default list is valid")
}

impl WebhookOptions {
    pub fn policy(&self) -> CallbackPolicy {
        CallbackPolicy::new(self.allowed_hosts.clone(), self.allow_private_addresses)
    }
}

use crate::storage::{LeaseOwner, Store};
use prometheus_client::metrics::histogram::Histogram;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use tokio::sync::watch;

/// Seconds from an event to its delivery: the buckets of the histogram.
const LATENCY_BUCKETS: [f64; 15] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// What the deliveries count, for the metrics (read at scrape time).
pub struct Counts {
    pub delivered: AtomicU64,
    /// Attempts that failed (a non-2xx answer, none in time, refused).
    pub failed: AtomicU64,
    /// Attempts at an event after a failed one.
    pub retries: AtomicU64,
    /// Subscriptions suspended for failing.
    pub suspensions: AtomicU64,
    /// From the event to its delivery, in seconds.
    pub latency: Histogram,
    /// Subscriptions of every resource, as last read.
    pub active: AtomicU64,
    pub suspended: AtomicU64,
}

impl Default for Counts {
    fn default() -> Self {
        Counts {
            delivered: AtomicU64::default(),
            failed: AtomicU64::default(),
            retries: AtomicU64::default(),
            suspensions: AtomicU64::default(),
            latency: Histogram::new(LATENCY_BUCKETS),
            active: AtomicU64::default(),
            suspended: AtomicU64::default(),
        }
    }
}

/// Tells the deliverer that this server wrote an event, so it delivers at
/// once rather than at its next poll. Cheap to clone.
#[derive(Clone)]
pub struct FeedWaker(Arc<watch::Sender<u64>>);

impl FeedWaker {
    pub fn wake(&self) {
        self.0.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// A waker, and what the deliverer listens to.
pub fn feed() -> (FeedWaker, watch::Receiver<u64>) {
    let (sender, receiver) = watch::channel(0);
    (FeedWaker(Arc::new(sender)), receiver)
}

/// The running deliverer of a server.
pub struct Deliveries {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    /// The feed's tail (`tail.rs`).
    reading: tokio::task::JoinHandle<()>,
}

impl Deliveries {
    /// Starts delivering the subscriptions of `store`'s database.
    pub fn start(
        store: Arc<dyn Store>,
        options: &WebhookOptions,
        feed: watch::Receiver<u64>,
        counts: Arc<Counts>,
    ) -> Result<Deliveries, SetupError> {
        let sender = sender::Sender::new(
            options.policy(),
            options.timeout,
            options.ca_cert.as_deref(),
        )?;
        let (stop, stopped) = watch::channel(false);
        let tail = tail::Tail::new(store.clone());
        let reading = tokio::spawn(tail.clone().run(feed, stopped.clone(), deliverer::POLL));
        let worker = deliverer::Worker {
            store,
            sender,
            options: options.clone(),
            owner: LeaseOwner::generate(),
            counts,
            tail,
            stop: stopped,
        };
        let task = tokio::spawn(worker.dispatch());
        Ok(Deliveries {
            stop,
            task,
            reading,
        })
    }

    /// Stops taking work, lets the deliveries under way finish (within the
    /// delivery timeout) and gives the leases up.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        let _ = self.reading.await;
    }
}
