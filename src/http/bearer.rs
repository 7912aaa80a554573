//! `BearerRequest`: what the Bearer exchanges (Teams Phone extensibility,
//! Entra ID users) start from. They carry the end user's Microsoft Entra
//! token, `Authorization: Bearer …`, and no HMAC signature or connection
//! string, so they are always served here, never forwarded. Reading one
//! reads the body (within the limit; it must be a JSON object, `{}` as the
//! SDKs send), picks the resource whose endpoint is the request's `Host`
//! (while only one resource exists, it answers any host, as for signed
//! requests), applies its rate limit and parses `api-version`. Each
//! handler then checks that its version has the feature and validates the
//! token. The token is never logged.

use super::extract::{LoggedIdentity, LoggedResource, state_and_body};
use crate::directory::Directory;
use crate::domain::{ApiVersion, Feature, Resource, Secret};
use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::http::header::{AUTHORIZATION, HOST};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub struct BearerRequest {
    pub resource: Arc<Resource>,
    pub api_version: ApiVersion,
    token: Secret,
    req: HttpRequest,
}

impl BearerRequest {
    /// The Entra access token, as sent.
    pub fn token(&self) -> &str {
        self.token.expose()
    }

    /// `Ok` when the request's api-version has `feature`.
    pub fn require(&self, feature: Feature, operation: &str) -> Result<(), ApiError> {
        self.api_version
            .require(feature, operation)
            .map_err(ApiError::unsupported_api_version)
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
fn bearer_token(req: &HttpRequest) -> Option<Secret> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' '))
        .then(|| Secret::new(token))
}

fn resource_for(req: &HttpRequest, directory: &Directory) -> Option<Arc<Resource>> {
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
            let (state, body) = state_and_body(&req, &mut payload).await?;
            let resource = match resource_for(&req, &state.directory) {
                Some(resource) => resource,
                None if state.directory.reload_throttled(&*state.store).await => {
                    resource_for(&req, &state.directory).ok_or_else(denied)?
                }
                None => return Err(denied()),
            };
            req.extensions_mut()
                .insert(LoggedResource(resource.name.as_str().to_owned()));
            if let Some(limiter) = &state.limiter {
                limiter
                    .check(resource.id)
                    .map_err(|wait| ApiError::too_many_requests(limiter.per_second(), wait))?;
            }
            let token = bearer_token(&req).ok_or_else(denied)?;
            let version = url::form_urlencoded::parse(req.query_string().as_bytes())
                .find(|(k, _)| k == "api-version")
                .map(|(_, v)| v.into_owned());
            let api_version =
                ApiVersion::parse(version.as_deref()).map_err(ApiError::unsupported_api_version)?;
            check_body(&body)?;
            Ok(BearerRequest {
                resource,
                api_version,
                token,
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
