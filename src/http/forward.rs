//! Pass-through: a request whose `Connection-String` names an allow-listed
//! upstream endpoint, once its handler has validated it exactly as for a
//! local resource, is sent on here: same method, path (as received),
//! `api-version` and body, signed with that connection string's key. The
//! upstream's status, body, `Content-Type` and `Retry-After` come back.

use crate::client::{ClientError, RawResponse, Request};
use crate::error::ApiError;
use crate::http::extract::ApiRequest;
use crate::http::respond::no_store;
use crate::http::state::AppState;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};

/// Whether sending the request twice does no harm. Decides what is retried:
/// a create is retried only when the upstream says it did not act (429,
/// 503) or nothing was sent (no connection), never after a 500, 502, 504
/// or a timeout, which may come after the identity was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeatable {
    Yes,
    No,
}

/// The upstream's headers that are relayed besides its status and body.
const RELAYED_HEADERS: [&str; 4] = [
    "content-type",
    "retry-after",
    "retry-after-ms",
    "x-ms-retry-after-ms",
];

/// Sends `req` on to its upstream endpoint and relays the answer.
pub async fn forward(
    req: &ApiRequest,
    state: &AppState,
    repeatable: Repeatable,
) -> Result<HttpResponse, ApiError> {
    let connection = req
        .upstream()
        .ok_or_else(|| ApiError::internal("a local request reached the pass-through"))?;
    let method = reqwest::Method::from_bytes(req.http().method().as_str().as_bytes())
        .map_err(ApiError::internal)?;
    let request = Request {
        method,
        path_and_query: format!(
            "{}?api-version={}",
            req.http().path(),
            req.api_version.as_str()
        ),
        body: req.body.to_vec(),
        idempotent: repeatable == Repeatable::Yes,
    };
    let host = connection.endpoint.authority();
    match state.upstream.send(connection, &request).await {
        Ok(answer) => relay(answer, &host),
        Err(e) => Err(unanswered(e, &host, state)),
    }
}

/// Sends a read of its own (`GET path_and_query`, no body) to the request's
/// upstream endpoint, signed with its connection string's key; the status
/// the upstream answered. For checks of the connection, not for relaying.
pub async fn probe(
    req: &ApiRequest,
    state: &AppState,
    path_and_query: String,
) -> Result<StatusCode, ApiError> {
    let connection = req
        .upstream()
        .ok_or_else(|| ApiError::internal("a local request reached the pass-through"))?;
    let request = Request {
        method: reqwest::Method::GET,
        path_and_query,
        body: Vec::new(),
        idempotent: true,
    };
    let host = connection.endpoint.authority();
    match state.upstream.send(connection, &request).await {
        Ok(answer) => StatusCode::from_u16(answer.status.as_u16()).map_err(ApiError::internal),
        Err(e) => Err(unanswered(e, &host, state)),
    }
}

/// Our error when the upstream gave no answer to relay.
fn unanswered(e: ClientError, host: &str, state: &AppState) -> ApiError {
    match e {
        ClientError::Timeout(_) => ApiError::gateway_timeout(host, state.upstream.budget()),
        ClientError::Tls(_) => ApiError::bad_gateway(format!(
            "The upstream endpoint {host} refused the TLS connection or its certificate is not trusted."
        )),
        ClientError::Response(why) => ApiError::bad_gateway(format!(
            "The upstream endpoint {host} gave an answer that is not relayed: {why}."
        )),
        _ => ApiError::bad_gateway(format!(
            "The upstream endpoint {host} could not be reached."
        )),
    }
}

/// The upstream's answer as ours. Redirects are never followed, nor passed
/// on: a client following one would send its connection string elsewhere.
fn relay(answer: RawResponse, host: &str) -> Result<HttpResponse, ApiError> {
    if answer.status.is_redirection() || answer.status.is_informational() {
        return Err(ApiError::bad_gateway(format!(
            "The upstream endpoint {host} answered with a redirect ({}), which is not followed: check the endpoint of the connection string.",
            answer.status.as_u16()
        )));
    }
    let status = StatusCode::from_u16(answer.status.as_u16()).map_err(ApiError::internal)?;
    let mut response = HttpResponse::build(status);
    // The answer may carry a token.
    no_store(&mut response);
    for name in RELAYED_HEADERS {
        let value = answer
            .headers
            .get(name)
            .and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok());
        if let Some(value) = value {
            response.insert_header((HeaderName::from_static(name), value));
        }
    }
    Ok(response.body(answer.body))
}
