//! Pass-through to real ACS resources: the allow-list of upstream endpoints,
//! and one HMAC-signing client shared by every request (connection reuse,
//! connect and read timeouts, no redirects, a response size limit, retries
//! of 429 and 5xx within a total time budget).

use crate::acs::ConnectionString;
use crate::client::{ClientError, ClientOptions, RawResponse, Request, RetryPolicy, Transport};
use crate::domain::AllowedHosts;
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
        let (status, error) = match &exchange.outcome {
            Ok(answer) => (answer.status.as_u16().to_string(), String::new()),
            Err(e) => ("-".to_owned(), format!(" error=\"{e}\"")),
        };
        log::info!(
            target: "commid::upstream",
            "{} {} upstream={} status={status} attempts={} {:.1}ms{error}",
            request.method,
            crate::domain::quote_at_most(&request.path_and_query, 200),
            connection.endpoint.authority(),
            exchange.attempts,
            started.elapsed().as_secs_f64() * 1000.0,
        );
        exchange.outcome
    }
}
