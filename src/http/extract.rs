//! `ApiRequest`: what every API handler starts from. Reading it reads the
//! body (within the limit), authenticates the request, picks the resource
//! (or the upstream endpoint to forward to) and checks `api-version`, all
//! before the handler runs. Handlers validate the request the same way for
//! both destinations, then serve it from [`ApiRequest::local`] or
//! [`forward`](super::forward::forward) it.

use crate::acs::ConnectionString;
use crate::auth::{self, Destination};
use crate::domain::{Actor, ApiVersion, IdentityId, Resource};
use crate::error::ApiError;
use crate::http::admission;
use crate::http::state::AppState;
use actix_web::dev::Payload;
use actix_web::web::{Bytes, Data};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;
use std::cell::OnceCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

pub struct ApiRequest {
    destination: Destination,
    /// Who made the request: a key's slot or a principal; `None` when it
    /// is forwarded (the upstream checks the key).
    actor: Option<Actor>,
    pub api_version: ApiVersion,
    pub body: Bytes,
    /// The query parameters, decoded, in the order sent: read the first
    /// time a handler asks for one (most ask for none).
    query: OnceCell<Vec<(String, String)>>,
    req: HttpRequest,
}

/// What the access log line names: the identity a request was about.
#[derive(Clone)]
pub struct LoggedIdentity(pub String);

/// An id as the access log shows it: whole up to 128 characters (the
/// longest commid issues, an Entra user's `8:acs:…_wf_…_…`, has 119),
/// shortened beyond, as what a caller sent may be anything.
pub(super) fn logged_id(id: &str) -> String {
    crate::domain::quote_at_most(id, 128)
}

/// The resource a request was authenticated for, for the access log.
#[derive(Clone)]
pub struct LoggedResource(pub String);

/// Who made the request, for the access log: `key:primary`, or a
/// principal and its issuer; never a secret.
#[derive(Clone)]
pub struct LoggedActor(pub String);

/// A request signed with a key (HMAC or `Connection-String`): where it
/// goes and, for a local resource, which key (whose resource's rate it
/// spends once authenticated).
async fn signed(
    req: &HttpRequest,
    state: &AppState,
    client: Option<std::net::IpAddr>,
    body: &[u8],
) -> Result<(Destination, Option<Actor>), ApiError> {
    let upstream = state.upstream.allowed();
    let authenticate =
        || auth::authenticate(req, body, &state.directory, upstream, SystemTime::now());
    let authenticated = match authenticate() {
        Err(failure)
            if failure.may_be_stale() && state.directory.reload_throttled(&*state.store).await =>
        {
            authenticate()
        }
        result => result,
    };
    let authenticated = authenticated.map_err(|failure| {
        admission::failed(req, state, client, ApiError::denied(failure.message()))
    })?;
    match &authenticated.destination {
        Destination::Local(resource) => {
            req.extensions_mut()
                .insert(LoggedResource(resource.name.as_str().to_owned()));
            admission::charge(state, resource)?;
        }
        // The upstream limits its own resources; its 429s are relayed.
        Destination::Upstream(connection) => {
            req.extensions_mut().insert(LoggedResource(format!(
                "upstream:{}",
                connection.endpoint.authority()
            )));
        }
    }
    Ok((authenticated.destination, authenticated.key.map(Actor::Key)))
}

impl ApiRequest {
    /// The resource of this server the request is for; `None` when it is
    /// to be forwarded upstream.
    pub fn local(&self) -> Option<&Arc<Resource>> {
        match &self.destination {
            Destination::Local(resource) => Some(resource),
            Destination::Upstream(_) => None,
        }
    }

    /// Who made the request; `None` when it is forwarded.
    pub fn actor(&self) -> Option<&Actor> {
        self.actor.as_ref()
    }

    /// The upstream endpoint and key the request is forwarded with.
    pub fn upstream(&self) -> Option<&ConnectionString> {
        match &self.destination {
            Destination::Upstream(connection) => Some(connection),
            Destination::Local(_) => None,
        }
    }

    pub(super) fn http(&self) -> &HttpRequest {
        &self.req
    }

    /// The first value of a query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .get_or_init(|| {
                url::form_urlencoded::parse(self.req.query_string().as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The upstream endpoint's host, for a request of a commid operation
    /// that cannot be forwarded.
    pub fn refuse_upstream(&self, operation: &str) -> Result<&Arc<Resource>, ApiError> {
        match &self.destination {
            Destination::Local(resource) => Ok(resource),
            Destination::Upstream(connection) => Err(ApiError::local_only(
                operation,
                &connection.endpoint.authority(),
            )),
        }
    }

    /// The body as `T`; `None` when the body is empty or JSON `null`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<Option<T>, ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        serde_json::from_slice::<Option<T>>(&self.body).map_err(ApiError::bad_body)
    }

    /// The `{id}` path segment as an identity of this request's resource
    /// (of any resource, when forwarded: the upstream knows its own).
    /// Clients send it raw or percent-encoded; both mean the same id.
    pub fn identity_id(&self, raw: &str) -> Result<IdentityId, ApiError> {
        let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
        self.log_identity(&decoded);
        let id = IdentityId::parse(&decoded).map_err(ApiError::validation)?;
        if let Some(resource) = self.local()
            && id.resource() != resource.id
        {
            return Err(ApiError::identity_not_found(id));
        }
        Ok(id)
    }

    pub fn log_identity(&self, id: &str) {
        self.req
            .extensions_mut()
            .insert(LoggedIdentity(logged_id(id)));
    }
}

/// The app's state, which every extractor starts from.
pub(super) fn app_state(req: &HttpRequest) -> Data<AppState> {
    req.app_data::<Data<AppState>>()
        .expect("AppState is registered")
        .clone()
}

/// The request's body, read within the body limit: 413
/// `RequestEntityTooLarge` past it, 400 when it could not be read.
pub(super) async fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
    state: &AppState,
) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, payload).await.map_err(|e| {
        if e.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::payload_too_large(state.body_limit)
        } else {
            ApiError::bad_body("it could not be read")
        }
    })
}

impl FromRequest for ApiRequest {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let state = app_state(&req);
            let client = admission::before_credentials(&req, &state)?;
            let body = read_body(&req, &mut payload, &state).await?;
            let (destination, actor) = match super::bearer::bearer_token(&req) {
                Some(token) => {
                    let (resource, actor) =
                        super::management::authenticate(&req, &state, client, token).await?;
                    req.extensions_mut()
                        .insert(LoggedResource(resource.name.as_str().to_owned()));
                    (Destination::Local(resource), Some(actor))
                }
                None => signed(&req, &state, client, &body).await?,
            };
            if let Some(actor) = &actor {
                req.extensions_mut().insert(LoggedActor(actor.to_string()));
            }
            let version = url::form_urlencoded::parse(req.query_string().as_bytes())
                .find(|(k, _)| k == "api-version")
                .map(|(_, v)| v);
            let api_version =
                ApiVersion::parse(version.as_deref()).map_err(ApiError::unsupported_api_version)?;
            Ok(ApiRequest {
                destination,
                actor,
                api_version,
                body,
                query: OnceCell::new(),
                req,
            })
        })
    }
}

/// An optional JSON number that is whole: `90` and `90.0` alike (JSON Schema
/// calls both integers, and so do the clients that send the second), for
/// `#[serde(default, deserialize_with = "whole_number")]`.
pub fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    use serde::Deserialize;
    use serde::de::{Error, Unexpected};
    let Some(number) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    if let Some(whole) = number.as_i64() {
        return Ok(Some(whole));
    }
    match number.as_f64() {
        // Below 2^53, where every whole f64 is exact.
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
        _ => Err(D::Error::invalid_value(
            Unexpected::Other(&number.to_string()),
            &"a whole number",
        )),
    }
}
