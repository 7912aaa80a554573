//! One delivery: the event as a Standard Webhooks payload, signed, posted
//! to the callback URL through the one client (connections kept, its
//! resolver the policy's, no redirects, a deadline, at most
//! [`RESPONSE_LIMIT`] bytes of the answer read), and what came of it.

use super::policy::{CallbackPolicy, Refusal};
use super::signature::sign;
use crate::acs::subscriptions::WebhookEvent;
use crate::domain::Timestamp;
use crate::storage::{IdentityEvent as StoredEvent, StoredSubscription};
use std::path::Path;
use std::time::Duration;

/// The most of an answer read; the rest is not waited for.
pub const RESPONSE_LIMIT: usize = 64 * 1024;
/// The longest wait a receiver's `Retry-After` may ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Why the client could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("cannot read the webhook CA certificate {0}")]
    Read(String, #[source] std::io::Error),
    #[error("{0} holds no PEM certificate")]
    NoCertificate(String),
    #[error("cannot build the webhook client")]
    Client(#[source] reqwest::Error),
}

/// What came of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    Failed(Failure),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// For `lastError` and the log: never the URL's query, never a secret.
    pub reason: String,
    /// The receiver asked for no more (410 Gone): suspend at once.
    pub gone: bool,
    /// The receiver's `Retry-After`, when it gave one.
    pub retry_after: Option<Duration>,
}

impl Failure {
    fn new(reason: impl Into<String>) -> Self {
        Failure {
            reason: reason.into(),
            gone: false,
            retry_after: None,
        }
    }
}

#[derive(Clone)]
pub struct Sender {
    http: reqwest::Client,
    policy: CallbackPolicy,
    timeout: Duration,
}

impl Sender {
    pub fn new(
        policy: CallbackPolicy,
        timeout: Duration,
        ca_cert: Option<&Path>,
    ) -> Result<Self, SetupError> {
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("commid-webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(policy.resolver())
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout)
            .timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(60));
        if let Some(path) = ca_cert {
            let shown = path.display().to_string();
            let pem = std::fs::read(path).map_err(|e| SetupError::Read(shown.clone(), e))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .ok()
                .filter(|c| !c.is_empty())
                .ok_or(SetupError::NoCertificate(shown))?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        Ok(Sender {
            http: builder.build().map_err(SetupError::Client)?,
            policy,
            timeout,
        })
    }

    /// Posts `event` to `subscription`'s callback URL.
    pub async fn send(&self, subscription: &StoredSubscription, event: &StoredEvent) -> Outcome {
        if let Err(refusal) = self.policy.check(&subscription.callback_url) {
            return Outcome::Failed(Failure::new(format!("refused: {refusal}")));
        }
        let spec = event.kind.spec();
        let payload = WebhookEvent {
            event_type: spec.webhook_type.to_owned(),
            timestamp: event.at.to_acs_string(),
            data: event.answered(),
        };
        let body = serde_json::to_vec(&payload).expect("an event serializes");
        let id = message_id(subscription, event);
        let timestamp = Timestamp::now().unix_seconds();
        let signature = sign(&subscription.secret, &id, timestamp, &body);
        let sent = self
            .http
            .post(subscription.callback_url.url().clone())
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => return Outcome::Failed(Failure::new(self.describe(e))),
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER));
        // Read a little of the answer, so the connection can be kept.
        let mut read = 0;
        while read < RESPONSE_LIMIT {
            match response.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                _ => break,
            }
        }
        if status.is_success() {
            return Outcome::Delivered;
        }
        let mut failure = Failure::new(match status.as_u16() {
            300..=399 => format!("answered {status}: redirects are not followed"),
            410 => format!("answered {status}: the receiver asked for no more deliveries"),
            _ => format!("answered {status}"),
        });
        failure.gone = status.as_u16() == 410;
        failure.retry_after = retry_after;
        Outcome::Failed(failure)
    }

    fn describe(&self, e: reqwest::Error) -> String {
        let e = e.without_url();
        if let Some(refusal) = find::<Refusal>(&e) {
            return format!("refused at connect time: {refusal}");
        }
        if e.is_timeout() {
            return format!("no answer within {} ms", self.timeout.as_millis());
        }
        let mut text = if e.is_connect() {
            "cannot connect".to_owned()
        } else {
            "the request failed".to_owned()
        };
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        crate::domain::quote_at_most(&text, 300)
    }
}

/// The `webhook-id` of an event: the same for every attempt, so a receiver
/// can drop a duplicate; no `.` in it.
pub fn message_id(subscription: &StoredSubscription, event: &StoredEvent) -> String {
    let resource = subscription.resource.to_string().replace('-', "");
    format!("evt_{resource}_{}", event.position.0)
}

fn find<'a, T: std::error::Error + 'static>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut current = Some(e);
    while let Some(error) = current {
        if let Some(found) = error.downcast_ref::<T>() {
            return Some(found);
        }
        current = error.source();
    }
    None
}
