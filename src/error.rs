//! The one error envelope, `{"error":{"code","message","target"?}}`, and the
//! one mapping from what went wrong to an HTTP status. Internal causes are
//! logged here and never put in a response.

pub use crate::acs::models::{ErrorBody, ErrorResponse};
use crate::domain::Invalid;
use crate::storage::StoreError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use std::borrow::Cow;

/// What kind of failure: decides the status code, in [`ErrorKind::status`] only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Validation,
    Unauthenticated,
    /// Authenticated, without a role that allows the operation.
    Forbidden,
    NotFound,
    /// What was asked for existed once and is gone for good.
    Gone,
    /// The path exists, not with this method.
    MethodNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
    Overloaded,
    Unavailable,
    /// Pass-through: the upstream endpoint gave no usable answer.
    BadGateway,
    /// Pass-through: the upstream endpoint did not answer within the budget.
    GatewayTimeout,
    Internal,
}

impl ErrorKind {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorKind::Validation => StatusCode::BAD_REQUEST,
            ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Gone => StatusCode::GONE,
            ErrorKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorKind::Overloaded => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::BadGateway => StatusCode::BAD_GATEWAY,
            ErrorKind::GatewayTimeout => StatusCode::GATEWAY_TIMEOUT,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ApiError {
    kind: ErrorKind,
    code: Cow<'static, str>,
    message: String,
    target: Option<String>,
    retry_after_seconds: Option<u32>,
    /// The `Allow` header of a 405 (boxed: an `ApiError` stays small).
    allow: Option<Box<str>>,
}

impl ApiError {
    fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            code: Cow::Borrowed(code),
            message: message.into(),
            target: None,
            retry_after_seconds: None,
            allow: None,
        }
    }

    pub fn validation(invalid: Invalid) -> Self {
        let mut e = Self::new(ErrorKind::Validation, "ValidationError", invalid.message);
        e.target = invalid.target.map(str::to_owned);
        e
    }

    /// A request body that is not the JSON the operation takes.
    pub fn bad_body(detail: impl std::fmt::Display) -> Self {
        Self::new(
            ErrorKind::Validation,
            "ValidationError",
            format!("The request body is not valid: {detail}."),
        )
    }

    pub fn unsupported_api_version(invalid: Invalid) -> Self {
        let code = if invalid.message.contains("is required") {
            "MissingApiVersionParameter"
        } else {
            "UnsupportedApiVersion"
        };
        let mut e = Self::new(ErrorKind::Validation, code, invalid.message);
        e.target = invalid.target.map(str::to_owned);
        e
    }

    pub fn denied(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthenticated, "Denied", message)
    }

    /// A Bearer token whose principal holds no role allowing the operation,
    /// as Azure's role-based access control answers (`AuthorizationFailed`):
    /// who, what, where, and the roles that would do.
    pub fn authorization_failed(
        actor: &impl std::fmt::Display,
        operation: &str,
        resource: &str,
        roles: &[crate::domain::Role],
    ) -> Self {
        let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Self::new(
            ErrorKind::Forbidden,
            "AuthorizationFailed",
            format!(
                "The client '{actor}' does not have authorization to perform action '{operation}' over \
                 scope '{resource}' or the scope is invalid. A role assignment on the resource of one of \
                 these roles allows it: {}.",
                roles.join(", ")
            ),
        )
    }

    /// A Teams user's token that cannot be exchanged: ACS's one answer,
    /// whatever the reason (which the caller logs).
    pub fn invalid_access_token() -> Self {
        Self::new(
            ErrorKind::Unauthenticated,
            "InvalidAccessToken",
            "Provided access token is not valid.",
        )
    }

    pub fn identity_not_found(id: impl std::fmt::Display) -> Self {
        Self::new(
            ErrorKind::NotFound,
            "IdentityNotFound",
            format!("Identity '{id}' does not exist or has been deleted."),
        )
    }

    /// No identity has this custom id.
    pub fn custom_id_not_found(custom_id: &str) -> Self {
        Self::new(
            ErrorKind::NotFound,
            "IdentityNotFound",
            format!(
                "No identity has the custom id '{}'.",
                crate::domain::quote(custom_id)
            ),
        )
    }

    /// A commid operation asked of a real ACS resource (pass-through).
    pub fn local_only(operation: &str, upstream_host: &str) -> Self {
        Self::new(
            ErrorKind::Validation,
            "UnsupportedOperation",
            format!(
                "Azure Communication Services has no operation to {operation}: it needs a resource of \
                 this commid server, and the connection string names {upstream_host}, an ACS resource."
            ),
        )
    }

    /// A feed cursor older than the events kept.
    pub fn cursor_expired() -> Self {
        let mut e = Self::new(
            ErrorKind::Gone,
            "CursorExpired",
            "Events after this cursor are no longer kept: start again without since, \
             which starts at the current end.",
        );
        e.target = Some("since".into());
        e
    }

    /// No assignment with that key (Teams Phone extensibility, Entra ID users).
    pub fn assignment_not_found(what: impl std::fmt::Display) -> Self {
        Self::new(
            ErrorKind::NotFound,
            "AssignmentNotFound",
            format!("The assignment {what} does not exist."),
        )
    }

    /// No webhook subscription with that id in the resource.
    pub fn subscription_not_found(id: impl std::fmt::Display) -> Self {
        Self::new(
            ErrorKind::NotFound,
            "SubscriptionNotFound",
            format!("The webhook subscription '{id}' does not exist."),
        )
    }

    /// A body in another media type than the operation consumes.
    pub fn unsupported_media_type(expected: &str) -> Self {
        Self::new(
            ErrorKind::UnsupportedMediaType,
            "UnsupportedMediaType",
            format!("The request body must be {expected}."),
        )
    }

    pub fn route_not_found(method: &str, path: &str) -> Self {
        Self::new(
            ErrorKind::NotFound,
            "NotFound",
            format!(
                "No operation matches {method} {}.",
                crate::domain::quote(path)
            ),
        )
    }

    /// `path` exists with the methods in `allow`, not with `method`.
    pub fn method_not_allowed(method: &str, path: &str, allow: &str) -> Self {
        let mut e = Self::new(
            ErrorKind::MethodNotAllowed,
            "MethodNotAllowed",
            format!(
                "{method} is not supported on {}: use {allow}.",
                crate::domain::quote(path),
            ),
        );
        e.allow = Some(allow.into());
        e
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            ErrorKind::PayloadTooLarge,
            "RequestEntityTooLarge",
            format!("The request body exceeds {limit} bytes."),
        )
    }

    /// The resource's request rate is over its limit.
    pub fn too_many_requests(per_second: u32, retry_after: std::time::Duration) -> Self {
        Self::overloaded(
            format!(
                "This resource is limited to {per_second} requests per second. Retry after the time in the Retry-After header."
            ),
            retry_after,
        )
    }

    /// The client's address failed authentication too often lately.
    pub fn too_many_failures(per_second: u32, retry_after: std::time::Duration) -> Self {
        Self::overloaded(
            format!(
                "Too many requests with failed authentication came from this address (at most {per_second} per second). Retry after the time in the Retry-After header."
            ),
            retry_after,
        )
    }

    fn overloaded(message: String, retry_after: std::time::Duration) -> Self {
        let mut e = Self::new(ErrorKind::Overloaded, "TooManyRequests", message);
        e.retry_after_seconds = Some(retry_after.as_secs_f64().ceil().max(1.0) as u32);
        e
    }

    pub fn unavailable(retry_after_seconds: u32) -> Self {
        let mut e = Self::new(
            ErrorKind::Unavailable,
            "ServiceUnavailable",
            "The service is temporarily unable to handle the request. Retry after the time in the Retry-After header.",
        );
        e.retry_after_seconds = Some(retry_after_seconds);
        e
    }

    /// Pass-through: the upstream endpoint could not be reached, refused
    /// TLS, or answered with something that is not relayed (a redirect, an
    /// answer over the size limit). `message` names the host only.
    pub fn bad_gateway(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadGateway, "BadGateway", message)
    }

    /// Pass-through: no answer from `host` within the budget.
    pub fn gateway_timeout(host: &str, budget: std::time::Duration) -> Self {
        Self::new(
            ErrorKind::GatewayTimeout,
            "GatewayTimeout",
            format!(
                "The upstream endpoint {host} did not answer in time (the budget is {} ms).",
                budget.as_millis()
            ),
        )
    }

    /// Logs `cause` and answers with a message that reveals nothing of it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        log::error!("internal error: {cause}");
        Self::new(
            ErrorKind::Internal,
            "InternalError",
            "An internal error occurred.",
        )
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn body(&self) -> ErrorResponse {
        ErrorResponse {
            error: ErrorBody {
                code: self.code.to_string(),
                message: self.message.clone(),
                target: self.target.clone(),
            },
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Busy => ApiError::unavailable(1),
            StoreError::Unavailable(cause) => {
                log::warn!("store unavailable: {cause}");
                ApiError::unavailable(5)
            }
            StoreError::Conflict(cause) | StoreError::Internal(cause) => ApiError::internal(cause),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.kind.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if let Some(seconds) = self.retry_after_seconds {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(seconds)));
        }
        if let Some(allow) = self.allow.as_deref() {
            response.insert_header((header::ALLOW, allow));
        }
        response.json(self.body())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    #[test]
    fn internal_errors_reveal_nothing_of_their_cause() {
        let e = ApiError::internal("disk I/O error at /secret/path");
        let body = e.error_response().into_body().try_into_bytes().unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert_eq!(
            text,
            r#"{"error":{"code":"InternalError","message":"An internal error occurred."}}"#
        );
    }

    #[test]
    fn unavailable_answers_carry_retry_after() {
        let r = ApiError::unavailable(3).error_response();
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers().get("retry-after").unwrap(), "3");
        assert_eq!(r.headers().get("content-type").unwrap(), "application/json");
    }
}
