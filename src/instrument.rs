//! Wiring the metrics to the server's parts, once at start: the documented
//! operations the request metrics are kept for, the counters and gauges
//! each component keeps itself (read at scrape time), and the scrape-only
//! listener. `Application::build` calls these when metrics are on.

use crate::config::{Config, MetricsServing};
use crate::http;
use crate::issuers::TrustedIssuers;
use crate::metrics::{Kind, Metrics, Operation, Sample, Unit};
use crate::router;
use crate::storage::{MeasuredStore, Store, StoreProbes};
use crate::tokens::KeyRing;
use actix_web::dev::Server;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The metrics of a server being built: made before the store is opened,
/// so that every store call is measured, and finished once the parts that
/// count exist.
pub struct Setup {
    metrics: Metrics,
    /// The scrape-only listener, bound, and its address.
    listener: Option<(TcpListener, SocketAddr)>,
}

impl Setup {
    /// `None` when metrics are off; binds the scrape-only listener, if any.
    pub fn new(serving: MetricsServing) -> Result<Option<Setup>, (SocketAddr, std::io::Error)> {
        let listener = match serving {
            MetricsServing::Off => return Ok(None),
            MetricsServing::Main => None,
            MetricsServing::Separate(address) => {
                let bound = TcpListener::bind(address).and_then(|l| {
                    let local = l.local_addr()?;
                    Ok((l, local))
                });
                Some(bound.map_err(|e| (address, e))?)
            }
        };
        Ok(Some(Setup {
            metrics: Metrics::new(documented_operations()),
            listener,
        }))
    }

    /// Registers what `sources` count and starts the scrape-only server:
    /// the metrics, and that server with its address.
    pub fn finish(
        mut self,
        sources: Sources,
    ) -> std::io::Result<(Arc<Metrics>, Option<ScrapeServer>)> {
        register(&mut self.metrics, sources);
        let metrics = Arc::new(self.metrics);
        let server = match self.listener {
            Some((listener, local)) => Some((serve_separately(listener, metrics.clone())?, local)),
            None => None,
        };
        Ok((metrics, server))
    }
}

/// `store`, timed by the metrics when they are on.
pub fn measured(store: Arc<dyn Store>, config: &Config, setup: Option<&Setup>) -> Arc<dyn Store> {
    match setup {
        Some(setup) => Arc::new(MeasuredStore::new(
            store,
            config.database.backend(),
            setup.metrics.store().clone(),
        )),
        None => store,
    }
}

/// The scrape-only server and the address it listens on.
pub type ScrapeServer = (Server, SocketAddr);

/// The change feed's lag in seconds, once the feed exists: its gauge is
/// left out of the scrape until a probe is given, and while it says `None`.
pub type LagProbe = Box<dyn Fn() -> Option<f64> + Send + Sync>;

/// What the components count, handed over at start.
pub struct Sources {
    pub store: StoreProbes,
    pub keys: Arc<KeyRing>,
    pub issuers: Arc<TrustedIssuers>,
    /// `None` when there is no rate limit.
    pub rate_limited: Option<Arc<AtomicU64>>,
    /// `None` when failed authentications are not limited.
    pub failures_limited: Option<Arc<AtomicU64>>,
    pub upstream: Arc<crate::upstream::Counts>,
    pub change_feed_lag: Option<LagProbe>,
    pub webhooks: Arc<crate::webhooks::Counts>,
}

/// Every operation of the OpenAPI document, by template and method.
pub fn documented_operations() -> Vec<Operation> {
    let doc = router::openapi();
    let mut operations = Vec::new();
    for (template, item) in &doc.paths.paths {
        for (method, operation) in http::allow::operations(item) {
            if let Some(id) = &operation.operation_id {
                operations.push(Operation {
                    template: template.clone(),
                    method,
                    id: id.clone(),
                });
            }
        }
    }
    operations
}

fn count(value: &AtomicU64) -> f64 {
    value.load(Ordering::Relaxed) as f64
}

/// Registers what `sources` count.
fn register(metrics: &mut Metrics, sources: Sources) {
    let keys = sources.keys;
    metrics.sample(
        Kind::Counter,
        "tokens_issued",
        "Access tokens signed, by subject (identity, Teams user, or a user an assignment admits)",
        Some("subject"),
        move || {
            let issued = keys.issued();
            vec![
                ("identity", count(&issued.identities)),
                ("teams_user", count(&issued.teams_users)),
                ("assigned_user", count(&issued.assigned_users)),
            ]
        },
    );
    store(metrics, sources.store);
    if let Some(rejected) = sources.rate_limited {
        metrics.sample(
            Kind::Counter,
            "rate_limited_requests",
            "Requests refused with 429 because their resource was over its rate",
            None,
            move || vec![("", count(&rejected))],
        );
    }
    if let Some(rejected) = sources.failures_limited {
        metrics.sample(
            Kind::Counter,
            "auth_failure_limited_requests",
            "Requests refused with 429 because their client address failed authentication too often",
            None,
            move || vec![("", count(&rejected))],
        );
    }
    upstream(metrics, sources.upstream);
    webhooks(metrics, sources.webhooks);
    let fetches = sources.issuers.fetches();
    metrics.sample(
        Kind::Counter,
        "issuer_key_fetches",
        "Fetches of trusted issuers' key sets (and key file reads), by result",
        Some("result"),
        move || {
            vec![
                ("ok", count(&fetches.succeeded)),
                ("failed", count(&fetches.failed)),
            ]
        },
    );
    if let Some(lag) = sources.change_feed_lag {
        metrics.sample_with_unit(
            Kind::Gauge,
            "change_feed_lag",
            "How far the change feed is behind the store",
            Some(Unit::Seconds),
            None,
            move || lag().map(|seconds| ("", seconds)).into_iter().collect(),
        );
    }
}

fn store(metrics: &mut Metrics, probes: StoreProbes) {
    if let Some(depth) = probes.write_queue_depth {
        metrics.sample(
            Kind::Gauge,
            "sqlite_write_queue_depth",
            "SQLite writes waiting for the writer thread",
            None,
            move || vec![("", depth.load(Ordering::Relaxed) as f64)],
        );
    }
    if let Some(histogram) = probes.group_commit_writes {
        let help = "SQLite writes made durable together, per group commit";
        metrics.histogram("sqlite_group_commit_writes", help, histogram);
    }
    if let Some(pool) = probes.pool {
        let usage = pool.clone();
        metrics.sample(
            Kind::Gauge,
            "db_pool_connections",
            "Database connections of this server, idle or in use",
            Some("state"),
            move || {
                let now = usage();
                vec![("idle", now.idle as f64), ("in_use", now.in_use as f64)]
            },
        );
        let max = pool.clone();
        metrics.sample(
            Kind::Gauge,
            "db_pool_max_connections",
            "The most connections the pool opens",
            None,
            move || max().max.map(|m| ("", m as f64)).into_iter().collect(),
        );
        metrics.sample(
            Kind::Gauge,
            "db_pool_waiting",
            "Store calls waiting for a connection",
            None,
            move || pool().waiting.map(|w| ("", w as f64)).into_iter().collect(),
        );
    }
}

fn upstream(metrics: &mut Metrics, counts: Arc<crate::upstream::Counts>) {
    let by_outcome = |values: &[AtomicU64; 6]| -> Vec<Sample> {
        crate::upstream::OUTCOMES
            .iter()
            .zip(values)
            .map(|(outcome, value)| (*outcome, count(value)))
            .collect()
    };
    let requests = counts.clone();
    metrics.sample(
        Kind::Counter,
        "upstream_requests",
        "Pass-through requests, by the upstream's final status class (none: no answer)",
        Some("status"),
        move || by_outcome(&requests.requests),
    );
    metrics.sample(
        Kind::Counter,
        "upstream_attempts",
        "Pass-through attempts (retries included), by the request's final status class",
        Some("status"),
        move || by_outcome(&counts.attempts),
    );
}

fn webhooks(metrics: &mut Metrics, counts: Arc<crate::webhooks::Counts>) {
    let outcomes = counts.clone();
    metrics.sample(
        Kind::Counter,
        "webhook_deliveries",
        "Webhook delivery attempts, by outcome (delivered: a 2xx answer)",
        Some("outcome"),
        move || {
            vec![
                ("delivered", count(&outcomes.delivered)),
                ("failed", count(&outcomes.failed)),
            ]
        },
    );
    let retries = counts.clone();
    metrics.sample(
        Kind::Counter,
        "webhook_retries",
        "Webhook delivery attempts at an event whose previous attempt failed",
        None,
        move || vec![("", count(&retries.retries))],
    );
    let suspensions = counts.clone();
    metrics.sample(
        Kind::Counter,
        "webhook_suspensions",
        "Webhook subscriptions suspended after failing too often (or a 410 answer)",
        None,
        move || vec![("", count(&suspensions.suspensions))],
    );
    let states = counts.clone();
    metrics.sample(
        Kind::Gauge,
        "webhook_subscriptions",
        "Webhook subscriptions of every resource, by state, as last read (every few seconds)",
        Some("state"),
        move || {
            vec![
                ("active", count(&states.active)),
                ("suspended", count(&states.suspended)),
            ]
        },
    );
    metrics.histogram(
        "webhook_delivery_latency_seconds",
        "Seconds from an event to its delivery (a 2xx answer)",
        counts.latency.clone(),
    );
}

/// The scrape-only server: `/metrics` on `listener`, plain HTTP, one worker.
fn serve_separately(
    listener: TcpListener,
    metrics: Arc<Metrics>,
) -> std::io::Result<actix_web::dev::Server> {
    let server = actix_web::HttpServer::new(move || router::metrics_app(metrics.clone()))
        .disable_signals()
        .workers(1)
        .shutdown_timeout(1)
        .listen(listener)?;
    Ok(server.run())
}
