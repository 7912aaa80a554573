//! Signed HTTP exchanges with an ACS-compatible endpoint: one pooled reqwest
//! client (rustls, connection reuse, timeouts, no redirects), every attempt
//! signed afresh, retries as [`RetryPolicy`] says.

use super::errors::ClientError;
use super::failure::Failed;
use super::retry::{self, RetryPolicy};
use crate::acs::ConnectionString;
use crate::acs::sign_headers;
use crate::domain::{Endpoint, Secret};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

/// How the HTTP client behaves.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// A PEM file of certificates to trust besides the system's roots (for
    /// commid's self-signed one).
    pub ca_cert: Option<PathBuf>,
    /// Longest wait for a TCP and TLS connection.
    pub connect_timeout: Duration,
    /// Longest silence while reading an answer.
    pub read_timeout: Duration,
    /// Longest one attempt may take, from sending to the last byte read
    /// (and never past the retry budget).
    pub attempt_timeout: Duration,
    /// The longest answer read; a longer one is an error.
    pub max_response_bytes: usize,
    pub retry: RetryPolicy,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            ca_cert: None,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            attempt_timeout: Duration::from_secs(60),
            max_response_bytes: 1024 * 1024,
            retry: RetryPolicy::default(),
        }
    }
}

/// One request, before signing. `path_and_query` is the request target as
/// it goes on the wire (and into the signature), `api-version` included.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub path_and_query: String,
    /// Sent with `Content-Type: application/json` when not empty
    /// (`application/merge-patch+json` for a PATCH).
    pub body: Vec<u8>,
    /// Whether sending it twice does no harm; see [`RetryPolicy`].
    pub idempotent: bool,
}

/// The final answer, whatever its status.
#[derive(Debug)]
pub struct RawResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// What [`Transport::exchange`] did: the final answer (or why there is
/// none) and how many attempts it took.
#[derive(Debug)]
pub struct Exchange {
    pub outcome: Result<RawResponse, ClientError>,
    pub attempts: u32,
}

/// How a request proves who sends it, and where it goes.
pub trait Credentials: Send + Sync {
    fn endpoint(&self) -> &Endpoint;
    /// The headers that authenticate `method path_and_query` with `body`.
    fn headers(&self, method: &str, path_and_query: &str, body: &[u8]) -> Vec<(String, String)>;
}

/// A connection string: requests signed with its key (HMAC-SHA256).
impl Credentials for ConnectionString {
    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn headers(&self, method: &str, path_and_query: &str, body: &[u8]) -> Vec<(String, String)> {
        sign_headers(
            method,
            path_and_query,
            &self.endpoint.authority(),
            body,
            self.key.bytes(),
            SystemTime::now(),
        )
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
    }
}

/// An endpoint and a Bearer token (a managed identity's, any OIDC
/// client's): `Authorization: Bearer …`. The token is redacted in `Debug`.
#[derive(Debug, Clone)]
pub struct BearerCredentials {
    pub endpoint: Endpoint,
    pub token: Secret,
}

impl Credentials for BearerCredentials {
    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn headers(&self, _: &str, _: &str, _: &[u8]) -> Vec<(String, String)> {
        vec![(
            "authorization".into(),
            format!("Bearer {}", self.token.expose()),
        )]
    }
}

/// Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct Transport {
    http: reqwest::Client,
    retry: RetryPolicy,
    attempt_timeout: Duration,
    max_response_bytes: usize,
}

impl Transport {
    pub fn new(options: &ClientOptions) -> Result<Self, ClientError> {
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("commid/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(options.connect_timeout)
            .read_timeout(options.read_timeout)
            .timeout(options.attempt_timeout)
            .redirect(reqwest::redirect::Policy::none());
        if let Some(path) = &options.ca_cert {
            let pem = std::fs::read(path).map_err(|e| {
                ClientError::Setup(format!(
                    "cannot read the CA certificate {}: {e}",
                    path.display()
                ))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .ok()
                .filter(|certs| !certs.is_empty())
                .ok_or_else(|| {
                    ClientError::Setup(format!("{} holds no PEM certificate", path.display()))
                })?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder
            .build()
            .map_err(|e| ClientError::Setup(format!("cannot build the HTTP client: {e}")))?;
        Ok(Transport {
            http,
            retry: options.retry.clone(),
            attempt_timeout: options.attempt_timeout,
            max_response_bytes: options.max_response_bytes,
        })
    }

    /// Sends `request` to `connection`'s endpoint signed with its key, and
    /// retries as the policy allows. Any status is an `Ok`: only a request
    /// that got no answer in the end is an error.
    pub async fn send(
        &self,
        connection: &dyn Credentials,
        request: &Request,
    ) -> Result<RawResponse, ClientError> {
        self.exchange(connection, request).await.outcome
    }

    /// [`Self::send`], also telling how many attempts it took.
    pub async fn exchange(&self, connection: &dyn Credentials, request: &Request) -> Exchange {
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let remaining = self.retry.budget.saturating_sub(started.elapsed());
            let outcome = self
                .attempt(connection, request, self.attempt_timeout.min(remaining))
                .await;
            let (retryable, asked) = match &outcome {
                Ok(r) => (
                    retry::is_retryable_status(r.status, request.idempotent),
                    retry::retry_after(&r.headers, SystemTime::now()),
                ),
                Err(failure) => (failure.retryable(request.idempotent), None),
            };
            let delay = retryable
                .then(|| {
                    self.retry
                        .delay(attempt, started.elapsed(), asked, retry::jitter_seed())
                })
                .flatten();
            let Some(delay) = delay else {
                return Exchange {
                    outcome: outcome.map_err(Failed::into_error),
                    attempts: attempt,
                };
            };
            log::debug!(
                "{} {}: attempt {attempt} {}; trying again in {delay:?}",
                request.method,
                request.path_and_query,
                match &outcome {
                    Ok(r) => format!("answered {}", r.status),
                    Err(f) => format!("failed ({})", f.describe()),
                }
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn attempt(
        &self,
        connection: &dyn Credentials,
        request: &Request,
        timeout: Duration,
    ) -> Result<RawResponse, Failed> {
        let base = connection.endpoint().as_str().trim_end_matches('/');
        let headers = connection.headers(
            request.method.as_str(),
            &request.path_and_query,
            &request.body,
        );
        let mut builder = self
            .http
            .request(
                request.method.clone(),
                format!("{base}{}", request.path_and_query),
            )
            .header("accept", "application/json")
            .timeout(timeout);
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        if !request.body.is_empty() {
            // The API's one PATCH, the bulk update of Entra assignments, is
            // a JSON merge patch (RFC 7396).
            let content_type = if request.method == Method::PATCH {
                "application/merge-patch+json"
            } else {
                "application/json"
            };
            builder = builder
                .header("content-type", content_type)
                .body(request.body.clone());
        }
        let mut response = builder.send().await.map_err(Failed::Http)?;
        let status = response.status();
        let headers = response.headers().clone();
        let limit = self.max_response_bytes;
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(Failed::TooLarge(limit));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(Failed::Http)? {
            if body.len() + chunk.len() > limit {
                return Err(Failed::TooLarge(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }
}
