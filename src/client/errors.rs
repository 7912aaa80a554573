//! What can go wrong when calling the service, and how an error response is
//! read.

use crate::acs::models::ErrorResponse;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION};

#[derive(Debug)]
pub enum ClientError {
    /// The service answered with an ACS error envelope
    /// (`{"error":{"code","message","target"?}}`).
    Service {
        status: u16,
        code: String,
        message: String,
        target: Option<String>,
    },
    /// No answer: the connection failed or broke.
    Transport(String),
    /// No answer in time: a connect, read or attempt timeout, or the retry
    /// budget spent.
    Timeout(String),
    /// TLS refused the server: most often a certificate nobody said to trust.
    Tls(String),
    /// An answer that is not what the operation defines: another status
    /// without an error envelope (a proxy's page, a redirect), or a body
    /// that is not the expected JSON.
    Response(String),
    /// The client could not be built (an unreadable CA certificate, say).
    Setup(String),
}

impl ClientError {
    /// The HTTP status of a service error.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Service { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The error a non-success answer stands for.
    pub(crate) fn from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        if let Ok(envelope) = serde_json::from_slice::<ErrorResponse>(body) {
            return ClientError::Service {
                status: status.as_u16(),
                code: envelope.error.code,
                message: envelope.error.message,
                target: envelope.error.target,
            };
        }
        if status.is_redirection() {
            let location = headers
                .get(LOCATION)
                .and_then(|l| l.to_str().ok())
                .unwrap_or("nowhere");
            return ClientError::Response(format!(
                "status {status} to {location}: redirects are not followed; check the endpoint"
            ));
        }
        ClientError::Response(format!("status {status} without an ACS error body"))
    }
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Service {
                status,
                code,
                message,
                ..
            } => write!(f, "{code} ({status}): {message}"),
            ClientError::Transport(m) => write!(f, "cannot reach the service: {m}"),
            ClientError::Timeout(m) => write!(f, "the service did not answer in time: {m}"),
            ClientError::Tls(m) => write!(f, "the service's TLS certificate is refused: {m}"),
            ClientError::Response(m) => write!(f, "unexpected response: {m}"),
            ClientError::Setup(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ClientError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_envelope_becomes_a_service_error_with_code_message_and_target() {
        let body = br#"{"error":{"code":"ValidationError","message":"Bad.","target":"Scopes"}}"#;
        let e = ClientError::from_response(StatusCode::BAD_REQUEST, &HeaderMap::new(), body);
        assert!(
            matches!(&e, ClientError::Service { status: 400, code, target: Some(t), .. } if code == "ValidationError" && t == "Scopes")
        );
        assert_eq!(e.to_string(), "ValidationError (400): Bad.");
    }

    #[test]
    fn a_redirect_names_where_it_points_and_is_not_taken_for_a_service_error() {
        let mut headers = HeaderMap::new();
        headers.insert(LOCATION, "https://elsewhere/".parse().unwrap());
        let e = ClientError::from_response(StatusCode::FOUND, &headers, b"");
        assert!(e.to_string().contains("https://elsewhere/"), "{e}");
        assert!(e.to_string().contains("redirects are not followed"), "{e}");
    }

    #[test]
    fn a_body_without_an_envelope_is_an_unexpected_response() {
        let e = ClientError::from_response(StatusCode::BAD_GATEWAY, &HeaderMap::new(), b"<html>");
        assert_eq!(
            e.to_string(),
            "unexpected response: status 502 Bad Gateway without an ACS error body"
        );
    }
}
