//! An attempt that got no usable answer, and whether another attempt may
//! help.

use super::errors::ClientError;
use crate::report::chain as error_chain;

pub(super) enum Failed {
    /// No answer: the connection failed, timed out or broke.
    Http(reqwest::Error),
    /// An answer longer than the limit; not read to its end.
    TooLarge(usize),
}

impl Failed {
    pub(super) fn into_error(self) -> ClientError {
        match self {
            Failed::Http(e) if is_tls_failure(&e) => ClientError::Tls(error_chain(&e)),
            Failed::Http(e) if e.is_timeout() => ClientError::Timeout(error_chain(&e)),
            Failed::Http(e) => ClientError::Transport(error_chain(&e)),
            Failed::TooLarge(limit) => {
                ClientError::Response(format!("the answer exceeds {limit} bytes"))
            }
        }
    }

    /// A connection that could not be made carried nothing, so any request
    /// may be tried again, unless TLS refused the server (that will not
    /// change). A request that broke or timed out later may have been acted
    /// on: only idempotent ones are tried again. An answer too large will
    /// be as large next time.
    pub(super) fn retryable(&self, idempotent: bool) -> bool {
        match self {
            Failed::Http(e) if is_tls_failure(e) => false,
            Failed::Http(e) if e.is_connect() => true,
            Failed::Http(e) => idempotent && (e.is_timeout() || e.is_request() || e.is_body()),
            Failed::TooLarge(_) => false,
        }
    }

    /// For the log line of a retry.
    pub(super) fn describe(&self) -> String {
        match self {
            Failed::Http(e) => error_chain(e),
            Failed::TooLarge(limit) => format!("the answer exceeds {limit} bytes"),
        }
    }
}

/// Whether a rustls error is among the causes. `io::Error` hides the error
/// it wraps from `source()`, so those are unwrapped by hand.
fn is_tls_failure(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(e) = next {
        if e.is::<rustls::Error>() {
            return true;
        }
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            && is_tls_failure(inner)
        {
            return true;
        }
        next = e.source();
    }
    false
}
