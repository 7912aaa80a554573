//! `BearerRequest`: what the Bearer exchanges (Teams Phone extensibility,
//! Entra ID users) start from. They carry the end user's Microsoft Entra
//! token, `Authorization: Bearer …`, and no HMAC signature or connection
//! string, so they are always served here, never forwarded. Reading one
//! refuses a client address over its budget of failed authentications,
//! parses `api-version` and reads the body (within the limit). The handler
//! then checks, in this order: that its version has the feature, that the
//! body is a JSON object (`{}`, as the SDKs send), the resource whose
//! endpoint is the request's `Host` (while only one resource exists, it
//! answers any host, as for signed requests) and the token
//! ([`BearerRequest::credentials`]); once the token is valid, the
//! resource's rate limit ([`BearerRequest::admit`]). The token is never
//! logged.

use super::admission;
use super::extract::{LoggedIdentity, LoggedResource, app_state, read_body};
use crate::directory::Directory;
use crate::domain::{ApiVersion, Feature, Resource, Secret};
use crate::error::ApiError;
use crate::http::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header::{AUTHORIZATION, HOST};
use actix_web::web::{Bytes, Data};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;

pub struct BearerRequest {
    pub api_version: ApiVersion,
    body: Bytes,
    /// The client's address, for the count of failed authentications.
    client: Option<IpAddr>,
    state: Data<AppState>,
    req: HttpRequest,
}

impl BearerRequest {
    /// `Ok` when the request's api-version has `feature`.
    pub fn require(&self, feature: Feature, operation: &str) -> Result<(), ApiError> {
        self.api_version
            .require(feature, operation)
            .map_err(ApiError::unsupported_api_version)
    }

    /// The resource the request is for and the Entra access token, as
    /// sent, once the body is known to be a JSON object; 401 `Denied`
    /// without either.
    pub async fn credentials(&self) -> Result<(Arc<Resource>, Secret), ApiError> {
        check_body(&self.body)?;
        let state = &self.state;
        let resource = match resource_for(&self.req, &state.directory) {
            Some(resource) => Some(resource),
            None if state.directory.reload_throttled(&*state.store).await => {
                resource_for(&self.req, &state.directory)
            }
            None => None,
        };
        let resource = resource.ok_or_else(|| self.refused(denied()))?;
        self.req
            .extensions_mut()
            .insert(LoggedResource(resource.name.as_str().to_owned()));
        let token = bearer_token(&self.req).ok_or_else(|| self.refused(denied()))?;
        Ok((resource, token))
    }

    /// A failed authentication answered with `refusal`, counted against the
    /// client's address (429 once that is over its budget).
    pub fn refused(&self, refusal: ApiError) -> ApiError {
        admission::failed(&self.req, &self.state, self.client, refusal)
    }

    /// Once the token is valid: the request within `resource`'s rate.
    pub fn admit(&self, resource: &Resource) -> Result<(), ApiError> {
        admission::charge(&self.state, resource)
    }

    pub fn log_identity(&self, id: &str) {
        self.req
            .extensions_mut()
            .insert(LoggedIdentity(super::extract::logged_id(id)));
    }
}

fn denied() -> ApiError {
    ApiError::denied(
        "Denied by the resource provider. Send the Microsoft Entra access token as \
         'Authorization: Bearer <token>'.",
    )
}

/// The token of `Authorization: Bearer <token>` (the scheme in any case).
pub(super) fn bearer_token(req: &HttpRequest) -> Option<Secret> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' '))
        .then(|| Secret::new(token))
}

pub(super) fn resource_for(req: &HttpRequest, directory: &Directory) -> Option<Arc<Resource>> {
    let host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))?;
    directory.for_authority(&host)
}

/// The body must be a JSON object; its members are ignored.
fn check_body(body: &[u8]) -> Result<(), ApiError> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        Ok(_) => Err(ApiError::bad_body("it must be a JSON object, such as {}")),
        Err(_) if body.iter().all(u8::is_ascii_whitespace) => {
            Err(ApiError::bad_body("it is empty; send {}"))
        }
        Err(e) => Err(ApiError::bad_body(e)),
    }
}

impl FromRequest for BearerRequest {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let state = app_state(&req);
            let client = admission::before_credentials(&req, &state)?;
            let version = url::form_urlencoded::parse(req.query_string().as_bytes())
                .find(|(k, _)| k == "api-version")
                .map(|(_, v)| v.into_owned());
            let api_version =
                ApiVersion::parse(version.as_deref()).map_err(ApiError::unsupported_api_version)?;
            let body = read_body(&req, &mut payload, &state).await?;
            Ok(BearerRequest {
                api_version,
                body,
                client,
                state,
                req,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn only_a_bearer_scheme_with_one_token_is_read() {
        let token = |value: &str| {
            let req = TestRequest::default()
                .insert_header((AUTHORIZATION, value))
                .to_http_request();
            bearer_token(&req).map(|s| s.expose().to_owned())
        };
        assert_eq!(token("Bearer abc").as_deref(), Some("abc"));
        assert_eq!(token("bearer  abc ").as_deref(), Some("abc"));
        for refused in [
            "Bearer",
            "Bearer ",
            "Basic abc",
            "HMAC-SHA256 a=b",
            "Bearer a b",
        ] {
            assert_eq!(token(refused), None, "{refused}");
        }
    }

    #[test]
    fn the_body_must_be_a_json_object() {
        assert!(check_body(b"{}").is_ok());
        assert!(check_body(br#"{"extra": 1}"#).is_ok());
        for bad in [&b""[..], b"  ", b"[]", b"null", b"{", b"\"x\""] {
            let e = check_body(bad).unwrap_err();
            assert_eq!(e.code(), "ValidationError");
        }
    }
}
