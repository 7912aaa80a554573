//! Pass-through to real ACS resources: the allow-list of upstream endpoints,
//! and one HMAC-signing client shared by every request (connection reuse,
//! connect and read timeouts, no redirects, a response size limit, retries
//! of 429 and 5xx within a total time budget).

use crate::acs::ConnectionString;
use crate::client::{ClientError, ClientOptions, RawResponse, Request, RetryPolicy, Transport};
use crate::domain::AllowedHosts;
use crate::logs::{Escaped, Field, escape};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub const DEFAULT_BUDGET: Duration = Duration::from_secs(30);
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest upstream answer relayed; ACS answers are a few kilobytes.
pub const RESPONSE_LIMIT: usize = 1024 * 1024;
/// Attempts per request, the first one included (the budget may allow fewer).
pub const MAX_ATTEMPTS: u32 = 4;

/// The `upstream_*` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamOptions {
    pub allowed_hosts: AllowedHosts,
    /// All attempts and waits of one request together.
    pub budget: Duration,
    pub connect_timeout: Duration,
    /// The longest silence while waiting for or reading an answer.
    pub read_timeout: Duration,
}

impl Default for UpstreamOptions {
    fn default() -> Self {
        UpstreamOptions {
            allowed_hosts: AllowedHosts::default_list(),
            budget: DEFAULT_BUDGET,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
        }
    }
}

/// Cheap to clone: clones share one connection pool and the counts.
#[derive(Clone)]
pub struct Upstream {
    allowed: AllowedHosts,
    transport: Transport,
    budget: Duration,
    counts: Arc<Counts>,
}

/// What the upstream answered, for the metrics: the final status's class,
/// or `none` when no attempt got an answer.
pub const OUTCOMES: [&str; 6] = ["1xx", "2xx", "3xx", "4xx", "5xx", "none"];

/// Forwarded requests and the attempts they took, by [`OUTCOMES`].
#[derive(Debug, Default)]
pub struct Counts {
    pub requests: [AtomicU64; 6],
    pub attempts: [AtomicU64; 6],
}

impl Upstream {
    pub fn new(options: &UpstreamOptions) -> Result<Self, ClientError> {
        let transport = Transport::new(&ClientOptions {
            ca_cert: None,
            connect_timeout: options.connect_timeout,
            read_timeout: options.read_timeout,
            attempt_timeout: options.budget,
            max_response_bytes: RESPONSE_LIMIT,
            retry: RetryPolicy {
                max_attempts: MAX_ATTEMPTS,
                budget: options.budget,
                ..RetryPolicy::default()
            },
        })?;
        Ok(Upstream {
            allowed: options.allowed_hosts.clone(),
            transport,
            budget: options.budget,
            counts: Arc::default(),
        })
    }

    /// The endpoints requests may be forwarded to.
    pub fn allowed(&self) -> &AllowedHosts {
        &self.allowed
    }

    pub fn budget(&self) -> Duration {
        self.budget
    }

    /// Forwarded requests and attempts since start.
    pub fn counts(&self) -> Arc<Counts> {
        self.counts.clone()
    }

    /// Sends `request` to the endpoint of `connection`, signed with its key,
    /// and writes the one log line of a forwarded request: host, final
    /// status, attempts and latency. Neither the key nor the connection
    /// string is ever part of it.
    pub async fn send(
        &self,
        connection: &ConnectionString,
        request: &Request,
    ) -> Result<RawResponse, ClientError> {
        let started = Instant::now();
        let exchange = self.transport.exchange(connection, request).await;
        let elapsed = started.elapsed();
        let status = exchange.outcome.as_ref().ok().map(|a| a.status.as_u16());
        let error = exchange
            .outcome
            .as_ref()
            .err()
            .map(|e| escape(&e.to_string()));
        let outcome = status.map_or(5, |s| usize::from(s / 100).clamp(1, 5) - 1);
        self.counts.requests[outcome].fetch_add(1, Ordering::Relaxed);
        self.counts.attempts[outcome].fetch_add(u64::from(exchange.attempts), Ordering::Relaxed);
        let host = connection.endpoint.authority();
        log_forwarded(&Forwarded {
            method: request.method.as_str(),
            path: &request.path_and_query,
            host: &host,
            status,
            attempts: exchange.attempts,
            elapsed,
            error: error.as_deref(),
        });
        exchange.outcome
    }
}

/// What the log line of a forwarded request says.
struct Forwarded<'a> {
    method: &'a str,
    path: &'a str,
    host: &'a str,
    /// The final answer's status; `None` when there was none.
    status: Option<u16>,
    attempts: u32,
    elapsed: Duration,
    /// Already escaped.
    error: Option<&'a str>,
}

/// `POST /… upstream=host status=200 attempts=1 12.3ms [error="…"]`, with
/// the same values as fields for the JSON format.
fn log_forwarded(line: &Forwarded<'_>) {
    let method = Escaped::new(line.method);
    let path = Escaped::at_most(line.path, 200);
    let upstream = Escaped::new(line.host);
    let shown_status = line
        .status
        .map_or_else(|| "-".to_owned(), |s| s.to_string());
    let millis = line.elapsed.as_secs_f64() * 1000.0;
    let latency_ms = (millis * 10.0).round() / 10.0;
    let error = line
        .error
        .map(|e| format!(" error=\"{e}\""))
        .unwrap_or_default();
    log::info!(
        target: "commid::upstream",
        method:% = method, path:% = path, upstream:% = upstream, status = line.status,
        attempts = line.attempts, latency_ms = latency_ms, error = line.error;
        "{} {} upstream={} status={shown_status} attempts={} {millis:.1}ms{error}",
        Field::new(line.method),
        Field::at_most(line.path, 200),
        Field::new(line.host),
        line.attempts,
    );
}
