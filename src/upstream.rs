//! Pass-through to real ACS resources: the allow-list of upstream endpoints,
//! and one HMAC-signing client shared by every request (connection reuse,
//! connect and read timeouts, no redirects, a response size limit, retries
//! of 429 and 5xx within a total time budget).

use crate::acs::ConnectionString;
use crate::client::{ClientError, ClientOptions, RawResponse, Request, RetryPolicy, Transport};
use crate::domain::AllowedHosts;
use crate::logs::{Escaped, escape};
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

/// Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct Upstream {
    allowed: AllowedHosts,
    transport: Transport,
    budget: Duration,
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
        })
    }

    /// The endpoints requests may be forwarded to.
    pub fn allowed(&self) -> &AllowedHosts {
        &self.allowed
    }

    pub fn budget(&self) -> Duration {
        self.budget
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
        "{method} {path} upstream={upstream} status={shown_status} attempts={} {millis:.1}ms{error}",
        line.attempts,
    );
}
