//! Requests by operation and status class, with their latency. The
//! operation is the OpenAPI operation id of the route that took the
//! request, the route's template for routes outside the document (the
//! portal, Swagger UI), and `unmatched` for requests no route took (404,
//! 405). Handles of documented operations are made once, at start, so a
//! request touches two atomics and no lock.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use std::collections::HashMap;
use std::time::Duration;

/// The operation label of requests no route took.
pub const UNMATCHED: &str = "unmatched";

/// Seconds, from 100 µs (a token from memory) to 30 s (the pass-through's
/// default budget).
const LATENCY_BUCKETS: [f64; 17] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0, 30.0,
];

const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// A documented operation: its path template, method and operation id.
#[derive(Debug, Clone)]
pub struct Operation {
    pub template: String,
    pub method: &'static str,
    pub id: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    operation: String,
    status: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabel {
    operation: String,
}

type LatencyFamily = Family<OperationLabel, Histogram, fn() -> Histogram>;

/// One operation's series.
struct Handles {
    by_class: [Counter; 5],
    latency: Histogram,
}

impl Handles {
    fn new(requests: &Family<RequestLabels, Counter>, latency: &LatencyFamily, op: &str) -> Self {
        let by_class = CLASSES.map(|status| {
            requests.get_or_create_owned(&RequestLabels {
                operation: op.to_owned(),
                status,
            })
        });
        let latency = latency.get_or_create_owned(&OperationLabel {
            operation: op.to_owned(),
        });
        Handles { by_class, latency }
    }

    fn observe(&self, status: u16, elapsed: Duration) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_class[class].inc();
        self.latency.observe(elapsed.as_secs_f64());
    }
}

pub struct HttpMetrics {
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    /// Template → the handles of each of its methods.
    documented: HashMap<String, Vec<(&'static str, Handles)>>,
    unmatched: Handles,
}

impl HttpMetrics {
    pub(super) fn new(registry: &mut Registry, operations: Vec<Operation>) -> Self {
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "commid_http_requests",
            "HTTP requests by operation and status class",
            requests.clone(),
        );
        let latency: LatencyFamily =
            Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register_with_unit(
            "commid_http_request_duration",
            "Time from the request to the response head, by operation",
            Unit::Seconds,
            latency.clone(),
        );
        let mut documented: HashMap<String, Vec<(&'static str, Handles)>> = HashMap::new();
        for op in operations {
            let handles = Handles::new(&requests, &latency, &op.id);
            documented
                .entry(op.template)
                .or_default()
                .push((op.method, handles));
        }
        let unmatched = Handles::new(&requests, &latency, UNMATCHED);
        HttpMetrics {
            requests,
            latency,
            documented,
            unmatched,
        }
    }

    /// Counts one answered request. `template` is the route actix matched,
    /// `None` when no route took the request.
    pub fn observe(&self, template: Option<&str>, method: &str, status: u16, elapsed: Duration) {
        let Some(template) = template else {
            return self.unmatched.observe(status, elapsed);
        };
        let documented = self
            .documented
            .get(template)
            .and_then(|methods| methods.iter().find(|(m, _)| *m == method));
        match documented {
            Some((_, handles)) => handles.observe(status, elapsed),
            // Routes outside the document: rare (the portal, Swagger UI).
            None => Handles::new(&self.requests, &self.latency, template).observe(status, elapsed),
        }
    }
}
