//! `AppState`: what every handler shares, built once by
//! `Application::build` and passed through actix's app data.

use super::paging;
use crate::directory::Directory;
use crate::issuers::TrustedIssuers;
use crate::metrics::Metrics;
use crate::storage::Store;
use crate::tokens::KeyRing;
use std::sync::Arc;

/// What every handler shares, passed explicitly through actix's app data.
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub directory: Arc<Directory>,
    pub keys: Arc<KeyRing>,
    /// Tokens whose signature was already checked.
    pub verified: crate::tokens::VerifiedTokens,
    /// Whose Entra tokens each resource exchanges, and in which exchanges
    /// (and whose Bearer tokens its signed operations take).
    pub issuers: Arc<TrustedIssuers>,
    /// Bearer tokens of the signed operations already verified.
    pub management_tokens: crate::issuers::ManagementTokens,
    /// The roles principals hold on the resources.
    pub roles: Arc<crate::roles::RoleBook>,
    pub body_limit: usize,
    /// Per-resource request rate, charged once a request authenticated;
    /// `None` when unlimited.
    pub limiter: Option<crate::limits::RateLimiter>,
    /// Failed authentications per client address; `None` when unlimited.
    pub failures: Option<crate::limits::FailureLimiter>,
    /// Whose `X-Forwarded-For` names the client.
    pub trusted_proxies: crate::domain::TrustedProxies,
    /// The allow-list and the one shared client of pass-through.
    pub upstream: crate::upstream::Upstream,
    /// The connector's definition for any host ([`super::connector_definition::derive`]).
    pub connector_definition: serde_json::Value,
    /// Where webhook deliveries may go, checked when a subscription is made.
    pub callbacks: crate::webhooks::CallbackPolicy,
    /// Wakes the webhook deliverer when a request wrote an event.
    pub feed: crate::webhooks::FeedWaker,
    /// Signs continuation tokens and feed cursors.
    pub paging: paging::PagingKey,
    /// Prometheus metrics, recorded when `Some`.
    pub metrics: Option<Arc<Metrics>>,
    /// Whether this listener answers `GET /metrics` (rather than a
    /// scrape-only listener of its own).
    pub serve_metrics: bool,
    /// The portal's Content-Security-Policy when it signs in with issuers
    /// ([`super::portal_signin::content_security_policy`]).
    pub portal_policy: Option<actix_web::http::header::HeaderValue>,
    /// On from SIGTERM until the stop: health checks answer 503 and every
    /// answer closes its connection.
    pub draining: crate::shutdown::Draining,
}
