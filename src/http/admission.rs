//! What a request may spend, in the order the extractors ask: before its
//! credentials are read, its client address must not be over its budget of
//! failed authentications (429, cheaply); a failed authentication is
//! counted against that address (401, or 429 once over); only a request
//! that authenticated spends its resource's rate limit.

use super::state::AppState;
use crate::domain::Resource;
use crate::error::ApiError;
use crate::limits::FailureLimiter;
use actix_web::HttpRequest;
use actix_web::http::header::HeaderName;
use std::net::IpAddr;
use std::sync::atomic::Ordering;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The client's address: the connection's peer, or, when that is a trusted
/// proxy, the address it forwarded for. `None` without a peer (a request
/// made in-process, in tests).
fn client_address(req: &HttpRequest, state: &AppState) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let proxies = &state.trusted_proxies;
    if !proxies.trusts(peer) {
        return Some(peer.to_canonical());
    }
    let forwarded: Vec<&str> = req
        .headers()
        .get_all(X_FORWARDED_FOR)
        .filter_map(|v| v.to_str().ok())
        .collect();
    Some(proxies.client(peer, &forwarded))
}

/// Before the credentials are read: 429 while the client's address is over
/// its budget of failed authentications; else the address, for [`failed`].
pub(super) fn before_credentials(
    req: &HttpRequest,
    state: &AppState,
) -> Result<Option<IpAddr>, ApiError> {
    let Some(failures) = &state.failures else {
        return Ok(None);
    };
    let client = client_address(req, state);
    if let Some(client) = client {
        failures
            .admit(client)
            .map_err(|wait| ApiError::too_many_failures(failures.per_second(), wait))?;
    }
    Ok(client)
}

/// A failed authentication, answered with `refusal` (a 401): counted
/// against the client's address, and 429 instead once that is over its
/// budget.
pub(super) fn failed(
    req: &HttpRequest,
    state: &AppState,
    client: Option<IpAddr>,
    refusal: ApiError,
) -> ApiError {
    let (Some(failures), Some(client)) = (&state.failures, client) else {
        return refusal;
    };
    match failures.failed(client) {
        Ok(()) => refusal,
        Err(wait) => {
            warn_if_forwarded(req, state, failures);
            ApiError::too_many_failures(failures.per_second(), wait)
        }
    }
}

/// Once a request of `resource` authenticated: within the resource's rate,
/// or 429.
pub(super) fn charge(state: &AppState, resource: &Resource) -> Result<(), ApiError> {
    match &state.limiter {
        Some(limiter) => limiter
            .check(resource.id)
            .map_err(|wait| ApiError::too_many_requests(limiter.per_second(), wait)),
        None => Ok(()),
    }
}

/// Once per run: an address over its budget sent `X-Forwarded-For` from a
/// peer that `trusted_proxies` does not list. If that peer is a reverse
/// proxy, every client behind it is counted as one.
fn warn_if_forwarded(req: &HttpRequest, state: &AppState, failures: &FailureLimiter) {
    let Some(peer) = req.peer_addr().map(|p| p.ip()) else {
        return;
    };
    if state.trusted_proxies.trusts(peer)
        || !req.headers().contains_key(X_FORWARDED_FOR)
        || failures.warned_forwarded.swap(true, Ordering::Relaxed)
    {
        return;
    }
    log::warn!(
        "{peer} failed authentication too often and is refused for a while; its requests carry \
         X-Forwarded-For, which is ignored because trusted_proxies does not list {peer}. If it is \
         your reverse proxy, list it in trusted_proxies, or every client behind it is refused \
         together."
    );
}
