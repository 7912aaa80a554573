//! The portal: the web page at `/portal/` where a person creates identities
//! and tokens, lists, revokes, deletes and verifies them. Its files (plain
//! HTML, CSS and ES modules in the repository's `portal/` folder) are
//! embedded in the binary, so the page works offline and `cargo build`
//! needs nothing but Rust. The page calls the public API like any client,
//! signing each request with the key the person signs in with; the server
//! gives it no other access.
//!
//! These routes are not API operations: they are registered outside utoipa,
//! so they are in neither the OpenAPI document nor the connector.

use super::state::AppState;
use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, get, web};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// Where the page lives; `/` redirects here.
pub const PREFIX: &str = "/portal/";

/// The page may load its own files and call its own origin, nothing else:
/// no inline script or style, no eval, no framing, no form submission.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// One embedded file of the page.
pub struct Asset {
    /// The name under [`PREFIX`]; `""` is the page itself.
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $file:literal, $type:expr) => {
        Asset {
            name: $name,
            content_type: $type,
            body: include_bytes!(concat!("../../portal/", $file)),
        }
    };
    ($file:literal, $type:expr) => {
        asset!($file, $file, $type)
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file of the page. A test checks that each file of `portal/` is
/// here and that the total stays under the page's size budget.
pub const ASSETS: &[Asset] = &[
    asset!("", "index.html", "text/html; charset=utf-8"),
    asset!("style.css", "text/css; charset=utf-8"),
    asset!("icon.svg", "image/svg+xml"),
    asset!("app.js", JS),
    asset!("api.js", JS),
    asset!("dom.js", JS),
    asset!("generate.js", JS),
    asset!("identities.js", JS),
    asset!("identity-rows.js", JS),
    asset!("messages.js", JS),
    asset!("oidc.js", JS),
    asset!("scopes.js", JS),
    asset!("rights.js", JS),
    asset!("session.js", JS),
    asset!("sign.js", JS),
    asset!("signin.js", JS),
    asset!("snippets.js", JS),
    asset!("verify.js", JS),
];

/// The headers every portal response carries, errors and redirects included.
pub const SECURITY_HEADERS: [(HeaderName, &str); 4] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "DENY"),
];

pub(super) fn secured(mut response: HttpResponse) -> HttpResponse {
    for (name, value) in SECURITY_HEADERS {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}

/// [`secured`], with the page allowed to reach the issuers it signs in
/// with (see `portal_signin`).
fn secured_for(req: &HttpRequest, response: HttpResponse) -> HttpResponse {
    let mut response = secured(response);
    if let Some(policy) = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.portal_policy.clone())
    {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(root)
        .service(portal_without_slash)
        .service(super::portal_signin::options)
        .service(file);
}

fn redirect() -> HttpResponse {
    secured(
        HttpResponse::Found()
            .insert_header((header::LOCATION, PREFIX))
            .finish(),
    )
}

#[get("/")]
async fn root() -> HttpResponse {
    redirect()
}

#[get("/portal")]
async fn portal_without_slash() -> HttpResponse {
    redirect()
}

#[get("/portal/{name:.*}")]
async fn file(req: HttpRequest, name: web::Path<String>) -> HttpResponse {
    let Some((asset, etag)) = find(&name) else {
        return secured(ApiError::route_not_found("GET", req.path()).error_response());
    };
    let mut response = HttpResponse::Ok();
    // Revalidated on every load, so a new binary's page is used at once.
    response
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::ETAG, etag.clone()));
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v == etag);
    if fresh {
        return secured_for(&req, response.status(StatusCode::NOT_MODIFIED).finish());
    }
    secured_for(
        &req,
        response.content_type(asset.content_type).body(asset.body),
    )
}

/// The asset and its entity tag (a hash of its bytes, computed once).
fn find(name: &str) -> Option<(&'static Asset, &'static HeaderValue)> {
    static ETAGS: OnceLock<Vec<HeaderValue>> = OnceLock::new();
    let etags = ETAGS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| {
                let hash = Sha256::digest(a.body);
                let hex: String = hash[..12].iter().map(|b| format!("{b:02x}")).collect();
                HeaderValue::from_str(&format!("\"{hex}\"")).expect("hex is a valid header")
            })
            .collect()
    });
    let index = ASSETS.iter().position(|a| a.name == name)?;
    Some((&ASSETS[index], &etags[index]))
}
