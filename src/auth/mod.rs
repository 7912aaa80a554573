//! Request authentication: HMAC-SHA256 signatures (what the SDKs and the CLI
//! send) or the `Connection-String` header (what the Power Automate connector
//! sends). Either selects a resource and proves knowledge of one of its keys;
//! a connection string may instead name an allow-listed upstream endpoint,
//! which checks the key itself ([`route`]).

pub mod route;

use crate::acs::{ConnectionString, hmac};
use crate::directory::Directory;
use crate::domain::{AllowedHosts, KeySlot, Resource};
use actix_web::HttpRequest;
use actix_web::http::header::{AUTHORIZATION, HOST};
pub use route::Destination;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// How far a signed request's date may be from the server's clock.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

pub const CONNECTION_STRING_HEADER: &str = "connection-string";

/// Why a request was refused; every variant answers 401 `Denied`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// No credentials, or credentials in a form we do not read.
    Missing,
    Malformed(String),
    ContentHashMismatch,
    ClockSkew,
    /// Well-formed, but no key of the resource matches: maybe a key changed.
    WrongKey,
    UnknownResource,
}

impl AuthFailure {
    pub fn message(&self) -> String {
        match self {
            AuthFailure::Missing => {
                "Denied by the resource provider. Sign the request with HMAC-SHA256 \
                (Authorization and x-ms-date headers) or send a Connection-String header."
                    .into()
            }
            AuthFailure::Malformed(what) => format!("Denied by the resource provider. {what}"),
            AuthFailure::ContentHashMismatch => {
                "Request 'x-ms-content-sha256' differs from generated content hash.".into()
            }
            AuthFailure::ClockSkew => format!(
                "Denied by the resource provider. The request date differs from the server's clock by more than {} minutes.",
                MAX_CLOCK_SKEW.as_secs() / 60
            ),
            AuthFailure::WrongKey | AuthFailure::UnknownResource => {
                "Denied by the resource provider.".into()
            }
        }
    }

    /// Worth a retry after reloading the resources from the store.
    pub fn may_be_stale(&self) -> bool {
        matches!(self, AuthFailure::WrongKey | AuthFailure::UnknownResource)
    }
}

/// A request that proved knowledge of a key: where it goes, and which key
/// of a local resource it proved (`None` when forwarded: the upstream
/// checks its own).
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub destination: Destination,
    pub key: Option<KeySlot>,
}

/// Where the request goes. HMAC-signed requests are always for a resource
/// of this server; `upstream` is the allow-list a connection string's
/// endpoint may be forwarded to.
pub fn authenticate(
    req: &HttpRequest,
    body: &[u8],
    directory: &Directory,
    upstream: &AllowedHosts,
    now: SystemTime,
) -> Result<Authenticated, AuthFailure> {
    if let Some(value) = req.headers().get(AUTHORIZATION) {
        let value = value
            .to_str()
            .map_err(|_| AuthFailure::Malformed("The Authorization header is not text.".into()))?;
        let (resource, slot) = verify_signature(req, value, body, directory, now)?;
        return Ok(Authenticated {
            destination: Destination::Local(resource),
            key: Some(slot),
        });
    }
    if let Some(value) = req.headers().get(CONNECTION_STRING_HEADER) {
        let cs = value
            .to_str()
            .ok()
            .and_then(|v| ConnectionString::parse(v).ok())
            .ok_or_else(|| {
                AuthFailure::Malformed(
                    "The Connection-String header is not a valid connection string.".into(),
                )
            })?;
        return route::by_connection_string(cs, directory, upstream);
    }
    Err(AuthFailure::Missing)
}

fn request_host(req: &HttpRequest) -> Option<std::borrow::Cow<'_, str>> {
    match req.headers().get(HOST) {
        Some(h) => h.to_str().ok().map(std::borrow::Cow::Borrowed),
        None => req.uri().authority().map(|a| a.to_string().into()),
    }
}

fn verify_signature(
    req: &HttpRequest,
    header: &str,
    body: &[u8],
    directory: &Directory,
    now: SystemTime,
) -> Result<(Arc<Resource>, KeySlot), AuthFailure> {
    let auth = hmac::Authorization::parse(header).ok_or_else(|| {
        AuthFailure::Malformed(
            "The Authorization header must read 'HMAC-SHA256 SignedHeaders=…&Signature=…'.".into(),
        )
    })?;
    let date_header = ["x-ms-date", "date"].into_iter().find(|h| auth.signs(h));
    let (Some(date_header), true, true) = (
        date_header,
        auth.signs("host"),
        auth.signs("x-ms-content-sha256"),
    ) else {
        return Err(AuthFailure::Malformed(
            "SignedHeaders must include host, x-ms-content-sha256 and x-ms-date (or date).".into(),
        ));
    };
    let host = request_host(req)
        .ok_or_else(|| AuthFailure::Malformed("The request has no Host header.".into()))?;
    let header_value = |name: &str| -> Result<&str, AuthFailure> {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                AuthFailure::Malformed(format!(
                    "The signed header '{}' is missing.",
                    name.to_ascii_lowercase()
                ))
            })
    };
    if !hmac::content_hash_is(header_value("x-ms-content-sha256")?, body) {
        return Err(AuthFailure::ContentHashMismatch);
    }
    let date = httpdate::parse_http_date(header_value(date_header)?).map_err(|_| {
        AuthFailure::Malformed(format!("The {date_header} header is not an RFC 1123 date."))
    })?;
    let skew = now
        .duration_since(date)
        .or_else(|e| Ok::<_, ()>(e.duration()))
        .unwrap_or_default();
    if skew > MAX_CLOCK_SKEW {
        return Err(AuthFailure::ClockSkew);
    }
    let resource = directory
        .for_authority(&host)
        .ok_or(AuthFailure::UnknownResource)?;
    let method = req.method().as_str();
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    // The host with each default port, for the tries below.
    let with_port: [String; 2];
    // The signed headers' values, the host's put in for each try below.
    let is_host = |name: &str| name.eq_ignore_ascii_case("host");
    let mut values = auth
        .signed_headers()
        .map(|name| {
            if is_host(name) {
                Ok("")
            } else {
                header_value(name)
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    // Python signs `h:443` for an endpoint with a default port but sends
    // `Host: h`, so a host without a port is also tried with each default.
    if let Some(slot) = try_keys(&resource, &auth, method, target, &mut values, &host) {
        return Ok((resource, slot));
    }
    if !host.contains(':') || host.ends_with(']') {
        with_port = [443, 80].map(|port| format!("{host}:{port}"));
        for host in &with_port {
            if let Some(slot) = try_keys(&resource, &auth, method, target, &mut values, host) {
                return Ok((resource, slot));
            }
        }
    }
    Err(AuthFailure::WrongKey)
}

/// The key slot whose HMAC matches, with `host` as the host's signed value.
fn try_keys<'v>(
    resource: &Resource,
    auth: &hmac::Authorization<'_>,
    method: &str,
    target: &str,
    values: &mut [&'v str],
    host: &'v str,
) -> Option<KeySlot> {
    for (value, name) in values.iter_mut().zip(auth.signed_headers()) {
        if name.eq_ignore_ascii_case("host") {
            *value = host;
        }
    }
    // Each check is constant-time. The secondary key is tried only when the
    // primary does not match: a caller without a key always pays for both,
    // and the time tells a caller with one only which key it used.
    let verify = |key: &crate::domain::AccessKey| {
        hmac::verify_request(key.mac(), method, target, values, &auth.signature)
    };
    if verify(&resource.primary_key) {
        Some(KeySlot::Primary)
    } else if verify(&resource.secondary_key) {
        Some(KeySlot::Secondary)
    } else {
        None
    }
}
