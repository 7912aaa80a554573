//! When to try again after a failure: the wait doubles with each failure in
//! a row, from the configured base up to an hour, with random jitter (half
//! the wait fixed, half random) so that receivers that failed together are
//! not retried together; a receiver's own `Retry-After` is honoured when it
//! asks for longer.

use std::time::Duration;

/// The longest wait between two attempts.
pub const MAX_WAIT: Duration = Duration::from_secs(3600);

/// The wait before the next attempt, after `failures` failures in a row
/// (1 or more); `random` is uniform in [0, 1).
pub fn wait(base: Duration, failures: u32, asked: Option<Duration>, random: f64) -> Duration {
    let doublings = failures.saturating_sub(1).min(31);
    let full = base.saturating_mul(1u32 << doublings).min(MAX_WAIT);
    let jittered = full.mul_f64(0.5 + 0.5 * random.clamp(0.0, 1.0));
    match asked {
        Some(asked) => jittered.max(asked.min(MAX_WAIT)),
        None => jittered,
    }
}

/// A uniform number in [0, 1) from the system's random source.
pub fn random() -> f64 {
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_with_jitter_up_to_an_hour() {
        let base = Duration::from_secs(5);
        assert_eq!(wait(base, 1, None, 0.0), Duration::from_millis(2500));
        assert_eq!(
            wait(base, 1, None, 0.999_999),
            Duration::from_secs(5).mul_f64(0.9999995)
        );
        assert_eq!(wait(base, 3, None, 1.0), Duration::from_secs(20));
        assert_eq!(wait(base, 40, None, 1.0), MAX_WAIT);
        assert_eq!(wait(base, 40, None, 0.0), MAX_WAIT / 2);
        for failures in 1..20 {
            let w = wait(base, failures, None, random());
            let full = base.saturating_mul(1 << (failures - 1)).min(MAX_WAIT);
            assert!(w >= full / 2 && w <= full, "{failures}: {w:?}");
        }
    }

    #[test]
    fn a_longer_retry_after_is_honoured_up_to_the_cap() {
        let base = Duration::from_secs(1);
        let asked = Some(Duration::from_secs(120));
        assert_eq!(wait(base, 1, asked, 0.5), Duration::from_secs(120));
        assert_eq!(
            wait(base, 1, Some(Duration::from_secs(86_400)), 0.5),
            MAX_WAIT
        );
        assert!(wait(base, 1, Some(Duration::ZERO), 0.5) >= Duration::from_millis(500));
    }
}
