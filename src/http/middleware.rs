//! Around every request: echo `x-ms-client-request-id`, add
//! `x-ms-request-id`, and write one access log line. The line names the
//! identity and resource, never a token, a key or a header value.

use super::extract::{LoggedIdentity, LoggedResource};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use std::time::Instant;

const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("x-ms-client-request-id");
const REQUEST_ID: HeaderName = HeaderName::from_static("x-ms-request-id");

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let client_request_id = req
        .headers()
        .get(&CLIENT_REQUEST_ID)
        .filter(|v| v.len() <= 128)
        .cloned();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    if let Some(v) = client_request_id {
        headers.insert(CLIENT_REQUEST_ID, v);
    }
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID, v);
    }
    let extensions = res.request().extensions();
    let identity = extensions
        .get::<LoggedIdentity>()
        .map(|i| i.0.clone())
        .unwrap_or_else(|| "-".into());
    let resource = extensions
        .get::<LoggedResource>()
        .map(|r| r.0.clone())
        .unwrap_or_else(|| "-".into());
    drop(extensions);
    log::info!(
        target: "commid::access",
        "{method} {} {} {:.1}ms resource={resource} identity={identity} request_id={request_id}",
        crate::domain::quote_at_most(&path, 200),
        res.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0,
    );
    Ok(res)
}
