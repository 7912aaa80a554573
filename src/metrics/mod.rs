//! Prometheus metrics (prometheus-client, text format 0.0.4): one
//! [`Metrics`] per server, made at start and passed explicitly, holding the
//! registry and the handles the request path updates. What components count
//! themselves (write queue, pool, rate limiter, pass-through, issuer keys,
//! tokens) is read at scrape time through [`Metrics::sample`] collectors,
//! registered by `instrument.rs`. Nothing here names an identity.

mod http;
mod process;
mod sampled;
mod store;

pub use http::{HttpMetrics, Operation, UNMATCHED};
pub use prometheus_client::metrics::histogram::Histogram;
pub use prometheus_client::registry::Unit;
pub use sampled::Sample;
pub use store::StoreMetrics;

use actix_web::HttpResponse;
use actix_web::web::Data;
use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

pub struct Metrics {
    registry: Registry,
    http: HttpMetrics,
    store: StoreMetrics,
}

/// Whether a sampled metric only grows or goes up and down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
}

impl Metrics {
    /// The registry with the process's, the requests' (one series per
    /// documented operation in `operations`) and the store's metrics.
    pub fn new(operations: Vec<Operation>) -> Self {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(process::ProcessCollector::new()));
        let http = HttpMetrics::new(&mut registry, operations);
        let store = StoreMetrics::new(&mut registry);
        Metrics {
            registry,
            http,
            store,
        }
    }

    pub fn http(&self) -> &HttpMetrics {
        &self.http
    }

    pub fn store(&self) -> &StoreMetrics {
        &self.store
    }

    /// A metric read from `read` at each scrape: `commid_<name>` (counters
    /// get `_total`), with the label `label` when its samples carry one. No
    /// samples leave it out.
    pub fn sample(
        &mut self,
        kind: Kind,
        name: &'static str,
        help: &'static str,
        label: Option<&'static str>,
        read: impl Fn() -> Vec<Sample> + Send + Sync + 'static,
    ) {
        self.sample_with_unit(kind, name, help, None, label, read);
    }

    /// [`Self::sample`] with a unit, which becomes part of the name.
    pub fn sample_with_unit(
        &mut self,
        kind: Kind,
        name: &'static str,
        help: &'static str,
        unit: Option<Unit>,
        label: Option<&'static str>,
        read: impl Fn() -> Vec<Sample> + Send + Sync + 'static,
    ) {
        self.registry.register_collector(Box::new(sampled::Sampled {
            name: prefixed(name),
            help,
            unit,
            kind: match kind {
                Kind::Counter => MetricType::Counter,
                Kind::Gauge => MetricType::Gauge,
            },
            label,
            read: Box::new(read),
        }));
    }

    /// A histogram a component keeps itself, as `commid_<name>`.
    pub fn histogram(&mut self, name: &'static str, help: &'static str, histogram: Histogram) {
        self.registry.register(prefixed(name), help, histogram);
    }

    /// Every metric in the Prometheus text format.
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::with_capacity(16 * 1024);
        prometheus_text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

fn prefixed(name: &str) -> String {
    format!("commid_{name}")
}

/// `GET /metrics`: what Prometheus scrapes. No credentials: the counts name
/// no identity, and a separate listener keeps them private.
pub async fn endpoint(metrics: Data<Metrics>) -> HttpResponse {
    match metrics.render() {
        Ok(text) => HttpResponse::Ok()
            .content_type(prometheus_text::CONTENT_TYPE)
            .insert_header(("cache-control", "no-store"))
            .body(text),
        Err(_) => HttpResponse::InternalServerError().json(serde_json::json!({
            "error": {"code": "InternalError", "message": "The metrics could not be rendered."}
        })),
    }
}
