//! When to try a request again, and how long to wait first.
//!
//! Like the ACS SDKs: 429 and 5xx answers are retried, honouring
//! `Retry-After` (and Azure's `retry-after-ms` / `x-ms-retry-after-ms`);
//! otherwise the wait doubles from attempt to attempt, with jitter. Attempts
//! and the total time are bounded: a wait that would end past the budget is
//! not started, and the last answer is returned instead.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::time::{Duration, SystemTime};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included; 1 disables retries.
    pub max_attempts: u32,
    /// The wait before the first retry when the service names none; it
    /// doubles for each further retry.
    pub initial_backoff: Duration,
    /// The longest computed wait (a `Retry-After` may ask for more).
    pub max_backoff: Duration,
    /// The most time all attempts and waits together may take.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            budget: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// One attempt only.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// How long to wait before attempt `attempt + 1`, or `None` to stop.
    /// `elapsed` is the time since the first attempt began; `retry_after` is
    /// what the service asked for; `random` feeds the jitter.
    pub(crate) fn delay(
        &self,
        attempt: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
        random: u64,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let delay = retry_after.unwrap_or_else(|| self.backoff(attempt, random));
        (elapsed.saturating_add(delay) <= self.budget).then_some(delay)
    }

    /// Exponential backoff with "equal jitter": half the wait fixed, half
    /// random, so that clients turned away together do not return together.
    fn backoff(&self, attempt: u32, random: u64) -> Duration {
        let exponent = attempt.saturating_sub(1).min(20);
        let base = self
            .initial_backoff
            .saturating_mul(1 << exponent)
            .min(self.max_backoff);
        let half = base.as_millis() as u64 / 2;
        Duration::from_millis(half + random % (half + 1))
    }
}

/// Statuses worth another attempt. A request that is not idempotent (create
/// an identity) is retried only when the service says it did not act on it:
/// 429 and 503. A 500, 502 or 504 may come after the identity was made.
pub(crate) fn is_retryable_status(status: StatusCode, idempotent: bool) -> bool {
    match status {
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => true,
        s if s.is_server_error() => idempotent,
        _ => false,
    }
}

/// The wait the service asked for: `retry-after-ms` or `x-ms-retry-after-ms`
/// (milliseconds), else `Retry-After` (seconds, or an HTTP date).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = text(name).and_then(|t| t.parse::<u64>().ok()) {
            return Some(Duration::from_millis(ms));
        }
    }
    let value = text("retry-after")?;
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Randomness for the jitter; any value will do when the system has none.
pub(crate) fn jitter_seed() -> u64 {
    getrandom::u64().unwrap_or_else(|_| {
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| u64::from(d.subsec_nanos()))
            .unwrap_or(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(400),
            max_backoff: Duration::from_millis(1000),
            budget: Duration::from_secs(10),
        }
    }

    #[test]
    fn the_wait_doubles_with_jitter_and_is_capped() {
        let p = policy();
        for random in [0, 7, 123_456, u64::MAX] {
            let first = p.delay(1, Duration::ZERO, None, random).unwrap();
            assert!((200..=400).contains(&first.as_millis()), "{first:?}");
            let second = p.delay(2, Duration::ZERO, None, random).unwrap();
            assert!((400..=800).contains(&second.as_millis()), "{second:?}");
            let third = p.delay(3, Duration::ZERO, None, random).unwrap();
            assert!((500..=1000).contains(&third.as_millis()), "{third:?}");
        }
        assert_ne!(
            p.delay(1, Duration::ZERO, None, 1),
            p.delay(1, Duration::ZERO, None, 150)
        );
    }

    #[test]
    fn attempts_and_the_time_budget_are_bounded() {
        let p = policy();
        assert_eq!(p.delay(4, Duration::ZERO, None, 0), None);
        let asked = Some(Duration::from_secs(3));
        assert_eq!(
            p.delay(1, Duration::from_secs(7), asked, 0),
            Some(Duration::from_secs(3))
        );
        assert_eq!(p.delay(1, Duration::from_secs(8), asked, 0), None);
        assert_eq!(RetryPolicy::never().delay(1, Duration::ZERO, None, 0), None);
    }

    #[test]
    fn retry_after_is_honoured_even_beyond_the_computed_cap() {
        let p = policy();
        let asked = Some(Duration::from_secs(5));
        assert_eq!(p.delay(1, Duration::ZERO, asked, 0), asked);
        assert_eq!(
            p.delay(1, Duration::ZERO, Some(Duration::ZERO), 0),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn retry_after_is_read_in_seconds_dates_and_milliseconds() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_237_916);
        let headers = |pairs: &[(&'static str, &str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.insert(*k, v.parse().unwrap());
            }
            h
        };
        assert_eq!(
            retry_after(&headers(&[("retry-after", "7")]), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(
                &headers(&[("retry-after", "Sat, 21 Nov 2026 05:12:06 GMT")]),
                now
            ),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            retry_after(
                &headers(&[("retry-after", "Sat, 21 Nov 2026 05:11:00 GMT")]),
                now
            ),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after(
                &headers(&[("retry-after", "7"), ("retry-after-ms", "250")]),
                now
            ),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            retry_after(&headers(&[("x-ms-retry-after-ms", "40")]), now),
            Some(Duration::from_millis(40))
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn only_throttling_and_server_errors_are_retried_and_creates_only_when_not_acted_on() {
        for idempotent in [true, false] {
            assert!(is_retryable_status(
                StatusCode::TOO_MANY_REQUESTS,
                idempotent
            ));
            assert!(is_retryable_status(
                StatusCode::SERVICE_UNAVAILABLE,
                idempotent
            ));
            for status in [400, 401, 404, 409, 302] {
                let status = StatusCode::from_u16(status).unwrap();
                assert!(!is_retryable_status(status, idempotent), "{status}");
            }
        }
        for status in [500, 502, 504] {
            let status = StatusCode::from_u16(status).unwrap();
            assert!(is_retryable_status(status, true));
            assert!(!is_retryable_status(status, false));
        }
    }
}
