//! The two ways a token answer differs from any other: `no-store`, and a
//! body written into a buffer sized for it.

use actix_web::HttpResponseBuilder;
use actix_web::http::header::CACHE_CONTROL;

/// Tokens must not be kept by caches or proxies.
pub fn no_store(response: &mut HttpResponseBuilder) {
    response.insert_header((CACHE_CONTROL, "no-store"));
}

/// `value` as the JSON body of `response`, written into a buffer sized for
/// an access token's answer at once (actix's `json` starts at 128 bytes and
/// grows it several times over a token).
pub fn token_json(
    mut response: HttpResponseBuilder,
    value: &impl serde::Serialize,
) -> actix_web::HttpResponse {
    let mut body = Vec::with_capacity(1024);
    match serde_json::to_writer(&mut body, value) {
        Ok(()) => response
            .content_type(actix_web::http::header::ContentType::json())
            .body(body),
        Err(e) => actix_web::ResponseError::error_response(&crate::error::ApiError::internal(e)),
    }
}
