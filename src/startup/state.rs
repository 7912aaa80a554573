//! The application state the requests share, made at start from the
//! configuration, the store and what was loaded from it.

use super::StartError;
use crate::config::{Config, MetricsServing};
use crate::directory::Directory;
use crate::domain::Secret;
use crate::http::{self, state::AppState};
use crate::instrument;
use crate::issuers::TrustedIssuers;
use crate::limits::{FailureLimiter, RateLimiter};
use crate::roles::RoleBook;
use crate::router;
use crate::shutdown::Draining;
use crate::storage::Store;
use crate::tokens::KeyRing;
use crate::upstream::Upstream;
use actix_web::web::Data;
use std::sync::Arc;

/// What the webhook deliverer shares with the requests and the metrics.
pub(super) struct Hooks {
    waker: crate::webhooks::FeedWaker,
    pub(super) feed: tokio::sync::watch::Receiver<u64>,
    pub(super) counts: Arc<crate::webhooks::Counts>,
}

impl Hooks {
    pub(super) fn new() -> Self {
        let (waker, feed) = crate::webhooks::feed();
        Hooks {
            waker,
            feed,
            counts: Arc::default(),
        }
    }
}

/// What was read from the store and the configuration at start, which
/// the refreshers keep current.
pub(super) struct Loaded<'a> {
    pub(super) directory: &'a Arc<Directory>,
    pub(super) keys: &'a Arc<KeyRing>,
    pub(super) issuers: &'a Arc<TrustedIssuers>,
    pub(super) roles: &'a Arc<RoleBook>,
}

pub(super) fn app_state(
    config: &Config,
    store: &Arc<dyn Store>,
    loaded: Loaded<'_>,
    (paging, hooks, draining): (&Secret, &Hooks, &Draining),
    metrics: Option<instrument::Setup>,
) -> Result<(Data<AppState>, Option<instrument::ScrapeServer>), StartError> {
    let Loaded {
        directory,
        keys,
        issuers,
        roles,
    } = loaded;
    let limiter = RateLimiter::new(config.limits.rate_per_second, config.limits.burst);
    let failures = FailureLimiter::new(
        config.limits.failures_per_second,
        config.limits.failure_burst,
    );
    let upstream = Upstream::new(&config.upstream).map_err(StartError::Upstream)?;
    let probes = store.probes();
    let feed_lag = probes.feed_lag.clone();
    let sources = instrument::Sources {
        store: probes,
        keys: keys.clone(),
        issuers: issuers.clone(),
        rate_limited: limiter.as_ref().map(RateLimiter::rejected),
        failures_limited: failures.as_ref().map(FailureLimiter::rejected),
        upstream: upstream.counts(),
        change_feed_lag: feed_lag.map(|lag| Box::new(move || Some(lag())) as instrument::LagProbe),
        webhooks: hooks.counts.clone(),
    };
    let (metrics, metrics_server) = match metrics.map(|m| m.finish(sources)).transpose() {
        Ok(started) => started.unzip(),
        Err(e) => return Err(StartError::Serve(e)),
    };
    let state = Data::new(AppState {
        store: store.clone(),
        directory: directory.clone(),
        keys: keys.clone(),
        verified: crate::tokens::VerifiedTokens::new(config.verify_cache_bytes),
        issuers: issuers.clone(),
        management_tokens: crate::issuers::ManagementTokens::default(),
        roles: roles.clone(),
        body_limit: config.body_limit,
        limiter,
        failures,
        trusted_proxies: config.limits.trusted_proxies.clone(),
        upstream,
        connector_definition: http::connector_definition::derive(&router::openapi_json())
            .map_err(StartError::Connector)?,
        paging: http::paging::PagingKey::new(paging),
        callbacks: config.webhooks.policy(),
        feed: hooks.waker.clone(),
        metrics,
        serve_metrics: config.metrics == MetricsServing::Main,
        portal_policy: http::portal_signin::content_security_policy(issuers),
        draining: draining.clone(),
    });
    Ok((state, metrics_server.flatten()))
}
