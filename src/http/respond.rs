//! The two ways a token answer differs from any other: `no-store`, and a
//! body written into a buffer sized for it.

use crate::tokens::IssuedToken;
use actix_web::http::header::CACHE_CONTROL;
use actix_web::{HttpResponse, HttpResponseBuilder};

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

/// An access token's answer, as [`crate::acs::models::AccessToken`] serializes it, written
/// directly: a token [`crate::tokens::issue`] made is base64url text and dots,
/// which JSON takes as they are, so no escaping pass over it is needed.
pub fn access_token(mut response: HttpResponseBuilder, issued: IssuedToken) -> HttpResponse {
    debug_assert!(
        issued
            .token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    );
    let expires_on = issued.expires_on.to_acs_string();
    let mut body = String::with_capacity(issued.token.len() + expires_on.len() + 32);
    body.push_str("{\"token\":\"");
    body.push_str(&issued.token);
    body.push_str("\",\"expiresOn\":\"");
    body.push_str(&expires_on);
    body.push_str("\"}");
    response
        .content_type(actix_web::http::header::ContentType::json())
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acs::models::AccessToken;
    use actix_web::body::MessageBody;

    fn body_of(response: actix_web::HttpResponse) -> String {
        let bytes = response.into_body().try_into_bytes().ok().unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[test]
    fn a_token_answer_is_what_serializing_the_access_token_writes() {
        let at = crate::domain::Timestamp::from_micros(1_700_000_000_123_456);
        let token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiI4OmFjczp4In0.c2ln-_";
        let direct = body_of(access_token(
            HttpResponse::Ok(),
            IssuedToken {
                token: token.into(),
                expires_on: at,
            },
        ));
        let serialized = serde_json::to_string(&AccessToken::new(token.into(), at)).unwrap();
        assert_eq!(direct, serialized);
    }
}
