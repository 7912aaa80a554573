//! Around every request: run it to completion on a task of its own, echo
//! `x-ms-client-request-id`, add `x-ms-request-id`, count it in the metrics
//! (when on), and write one access log line. The line names the
//! identity and resource, never a token, a key or a header value. What the
//! request sent (method, path, identity) is escaped ([`Escaped`]): one
//! request is one line, in the text and the JSON format alike. While the
//! server drains before a stop, every answer closes its connection.

use super::allow::Unrouted;
use super::extract::{LoggedActor, LoggedIdentity, LoggedResource};
use super::state::AppState;
use crate::logs::{Escaped, Field};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::ConnectionType;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{Error, HttpMessage};
use std::time::{Duration, Instant};

const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("x-ms-client-request-id");
const REQUEST_ID: HeaderName = HeaderName::from_static("x-ms-request-id");

/// Every request runs to completion on a task of its own, whether or not
/// its client still waits: actix drops the future of a request whose
/// connection closed, and a write must not stop between its commit and its
/// consequences (caches, counters, the access line). Dropping the task's
/// handle leaves the task running.
pub async fn observe<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, Error> {
    match actix_web::rt::spawn(served(req, next)).await {
        Ok(answered) => answered,
        // The handler panicked, or the worker is stopping.
        Err(e) => Err(crate::error::ApiError::internal(format_args!(
            "a request's task ended: {e}"
        ))
        .into()),
    }
}

async fn served<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, Error> {
    let started = Instant::now();
    let client_request_id = req
        .headers()
        .get(&CLIENT_REQUEST_ID)
        .filter(|v| v.len() <= 128)
        .cloned();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let mut request_id = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let request_id: &str = uuid::Uuid::new_v4()
        .hyphenated()
        .encode_lower(&mut request_id);
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    if let Some(v) = client_request_id {
        headers.insert(CLIENT_REQUEST_ID, v);
    }
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert(REQUEST_ID, v);
    }
    let state = res.request().app_data::<Data<AppState>>().cloned();
    if state.as_ref().is_some_and(|s| s.draining.is_on()) {
        // A keep-alive client (a proxy's pool) opens its next connection
        // elsewhere, or after the restart.
        res.response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    let elapsed = started.elapsed();
    let status = res.status().as_u16();
    let request = res.request();
    let extensions = request.extensions();
    if let Some(metrics) = state.as_ref().and_then(|s| s.metrics.as_deref()) {
        // A request the default service answered names no route, whatever
        // actix's path-only match says.
        let template = match extensions.get::<Unrouted>() {
            Some(_) => None,
            None => request.match_pattern(),
        };
        let template = template.as_deref().map(super::allow::document_template);
        metrics
            .http()
            .observe(template.as_deref(), method.as_str(), status, elapsed);
    }
    access_line(&AccessLine {
        method: method.as_str(),
        path: &path,
        status,
        elapsed,
        resource: extensions.get::<LoggedResource>().map_or("-", |r| &r.0),
        identity: extensions.get::<LoggedIdentity>().map_or("-", |i| &i.0),
        actor: extensions.get::<LoggedActor>().map_or("-", |a| &a.0),
        request_id,
    });
    drop(extensions);
    Ok(res)
}

/// What the access line says about one request.
struct AccessLine<'a> {
    method: &'a str,
    path: &'a str,
    status: u16,
    elapsed: Duration,
    resource: &'a str,
    identity: &'a str,
    /// `key:primary`, a principal and its issuer, or `-`.
    actor: &'a str,
    request_id: &'a str,
}

/// `GET /identities/… 200 0.4ms resource=… identity=… actor=… request_id=…`,
/// with the same values as fields for the JSON format. In the text, a
/// value that could read as another field is quoted ([`Field`]).
fn access_line(line: &AccessLine<'_>) {
    let method = Escaped::new(line.method);
    let path = Escaped::at_most(line.path, 200);
    let resource = Escaped::new(line.resource);
    let identity = Escaped::new(line.identity);
    let actor = Escaped::new(line.actor);
    let status = line.status;
    let latency_ms = (line.elapsed.as_secs_f64() * 10_000.0).round() / 10.0;
    let request_id = line.request_id;
    log::info!(
        target: "commid::access",
        method:% = method, path:% = path, status = status, latency_ms = latency_ms,
        resource:% = resource, identity:% = identity, actor:% = actor, request_id = request_id;
        "{} {} {status} {:.1}ms resource={} identity={} actor={} request_id={request_id}",
        Field::new(line.method),
        Field::at_most(line.path, 200),
        line.elapsed.as_secs_f64() * 1000.0,
        Field::new(line.resource),
        Field::new(line.identity),
        Field::new(line.actor),
    );
}
