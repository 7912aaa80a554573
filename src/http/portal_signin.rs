//! What the portal needs to offer "Sign in with …": the management issuers
//! of the page's resource that have a portal client (`portal_client_id`),
//! at `GET /portal/signin.json`, and a Content-Security-Policy that lets
//! the page reach those issuers (discovery and the token endpoint), and
//! nothing else. Public: it names no secret (the portal is a public
//! client, with PKCE), as an issuer's own discovery document names none.

use super::bearer::resource_for;
use super::state::AppState;
use crate::issuers::TrustedIssuers;
use actix_web::http::header::HeaderValue;
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse, get};
use serde::Serialize;

/// One "Sign in with {name}" button.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SignInOption<'a> {
    name: &'a str,
    /// Where the page reads `.well-known/openid-configuration`.
    authority: &'a str,
    client_id: &'a str,
    scope: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<&'a str>,
}

#[derive(Serialize)]
struct SignInOptions<'a> {
    issuers: Vec<SignInOption<'a>>,
}

#[get("/portal/signin.json")]
pub async fn options(req: HttpRequest, state: Data<AppState>) -> HttpResponse {
    let issuers = match resource_for(&req, &state.directory) {
        Some(resource) => state.issuers.for_resource(&resource.name).to_vec(),
        None => Vec::new(),
    };
    let body = SignInOptions {
        issuers: issuers
            .iter()
            .filter_map(|i| i.config.portal.as_ref())
            .map(|p| SignInOption {
                name: &p.name,
                authority: p.authority.as_str(),
                client_id: &p.client_id,
                scope: &p.scope,
                resource: p.resource.as_deref(),
            })
            .collect(),
    };
    super::portal::secured(
        HttpResponse::Ok()
            .insert_header((actix_web::http::header::CACHE_CONTROL, "no-cache"))
            .json(body),
    )
}

/// [`super::portal::CONTENT_SECURITY_POLICY`], with `connect-src` also
/// allowing the origin of every issuer the portal signs in with; `None`
/// when no issuer has a portal client (the page's own policy holds). The
/// issuers are configured, so this is made once, at start.
pub fn content_security_policy(issuers: &TrustedIssuers) -> Option<HeaderValue> {
    let base = super::portal::CONTENT_SECURITY_POLICY;
    let mut origins: Vec<String> = issuers
        .all()
        .filter_map(|i| i.config.portal.as_ref())
        .map(|p| p.authority.origin().ascii_serialization())
        .collect();
    origins.sort();
    origins.dedup();
    if origins.is_empty() {
        return None;
    }
    let policy = base.replace(
        "connect-src 'self'",
        &format!("connect-src 'self' {}", origins.join(" ")),
    );
    HeaderValue::from_str(&policy).ok()
}
