//! Rate limits, each a keyed generic cell rate algorithm (GCRA) of the
//! `governor` crate: one atomic "theoretical arrival time" per key, no lock
//! on the request path once the key has been seen.
//!
//! - [`RateLimiter`]: requests per resource, so that one busy tenant cannot
//!   starve the others. Charged only once a request has authenticated: a
//!   caller without a credential can never spend a resource's budget.
//! - [`FailureLimiter`]: failed authentications per client address. An
//!   address over its budget is refused before its credentials are even
//!   read, so a flood of bad credentials costs little and touches no
//!   resource's budget.

use crate::domain::ResourceId;
use governor::clock::{Clock, DefaultClock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{NotUntil, Quota};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

type Keyed<K, C> =
    governor::RateLimiter<K, DashMapStateStore<K>, C, NoOpMiddleware<<C as Clock>::Instant>>;

fn keyed<K: Hash + Eq + Clone, C: Clock>(
    per_second: NonZeroU32,
    burst: u32,
    clock: C,
) -> Keyed<K, C> {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    let quota = Quota::per_second(per_second).allow_burst(burst);
    governor::RateLimiter::new(quota, DashMapStateStore::default(), clock)
}

fn wait<C: Clock>(clock: &C, refused: &NotUntil<C::Instant>) -> Duration {
    refused.wait_time_from(clock.now())
}

pub struct RateLimiter<C: Clock = DefaultClock> {
    cells: Keyed<ResourceId, C>,
    per_second: u32,
    /// Requests refused since start, for the metrics.
    rejected: Arc<AtomicU64>,
}

impl RateLimiter {
    /// `None` when `per_second` is 0 (no limit).
    pub fn new(per_second: u32, burst: u32) -> Option<Self> {
        Self::with_clock(per_second, burst, DefaultClock::default())
    }
}

impl<C: Clock> RateLimiter<C> {
    fn with_clock(per_second: u32, burst: u32, clock: C) -> Option<Self> {
        Some(RateLimiter {
            cells: keyed(NonZeroU32::new(per_second)?, burst, clock),
            per_second,
            rejected: Arc::default(),
        })
    }

    pub fn per_second(&self) -> u32 {
        self.per_second
    }

    /// Admits one request of `resource`, or says how long to wait.
    pub fn check(&self, resource: ResourceId) -> Result<(), Duration> {
        self.cells.check_key(&resource).map_err(|refused| {
            self.rejected.fetch_add(1, Ordering::Relaxed);
            wait(self.cells.clock(), &refused)
        })
    }

    /// The count of refused requests, which keeps growing.
    pub fn rejected(&self) -> Arc<AtomicU64> {
        self.rejected.clone()
    }

    /// Forgets the resources that are as good as new (a deleted resource's
    /// cell, say).
    pub fn forget_idle(&self) {
        self.cells.retain_recent();
    }
}

/// Whose failures are counted together: an IPv4 address, or the /64 an
/// IPv6 address is in (what one host or one home is usually given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey(IpAddr);

impl ClientKey {
    pub fn of(address: IpAddr) -> Self {
        match address.to_canonical() {
            IpAddr::V6(v6) => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                ClientKey(IpAddr::V6(prefix.into()))
            }
            v4 => ClientKey(v4),
        }
    }
}

/// Addresses kept as over their budget; past that the oldest are dropped
/// (an address dropped early is only checked again sooner).
const JAIL_CAPACITY: usize = 65_536;

pub struct FailureLimiter<C: Clock = DefaultClock> {
    failures: Keyed<ClientKey, C>,
    /// Addresses over their budget, until their next failure may be
    /// counted: refused before their credentials are read.
    jailed: quick_cache::sync::Cache<ClientKey, C::Instant>,
    per_second: u32,
    /// Requests refused since start, for the metrics.
    rejected: Arc<AtomicU64>,
    /// Whether the log already said that requests come with
    /// `X-Forwarded-For` from a sender `trusted_proxies` does not list.
    pub warned_forwarded: AtomicBool,
}

impl FailureLimiter {
    /// `None` when `per_second` is 0 (failures are not limited).
    pub fn new(per_second: u32, burst: u32) -> Option<Self> {
        Self::with_clock(per_second, burst, DefaultClock::default())
    }
}

impl<C: Clock> FailureLimiter<C> {
    fn with_clock(per_second: u32, burst: u32, clock: C) -> Option<Self> {
        Some(FailureLimiter {
            failures: keyed(NonZeroU32::new(per_second)?, burst, clock),
            jailed: quick_cache::sync::Cache::new(JAIL_CAPACITY),
            per_second,
            rejected: Arc::default(),
            warned_forwarded: AtomicBool::new(false),
        })
    }

    pub fn per_second(&self) -> u32 {
        self.per_second
    }

    /// Before a request's credentials are read: refused, with the time to
    /// wait, while `client` is over its budget of failures.
    pub fn admit(&self, client: IpAddr) -> Result<(), Duration> {
        let key = ClientKey::of(client);
        let Some(until) = self.jailed.get(&key) else {
            return Ok(());
        };
        let now = self.failures.clock().now();
        if now < until {
            self.rejected.fetch_add(1, Ordering::Relaxed);
            return Err(until.duration_since(now).into());
        }
        self.jailed.remove(&key);
        Ok(())
    }

    /// A failed authentication of `client`, counted; `Err` with the time to
    /// wait when that put it over its budget.
    pub fn failed(&self, client: IpAddr) -> Result<(), Duration> {
        let key = ClientKey::of(client);
        self.failures.check_key(&key).map_err(|refused| {
            self.rejected.fetch_add(1, Ordering::Relaxed);
            self.jailed.insert(key, refused.earliest_possible());
            wait(self.failures.clock(), &refused)
        })
    }

    /// The count of refused requests, which keeps growing.
    pub fn rejected(&self) -> Arc<AtomicU64> {
        self.rejected.clone()
    }

    /// Forgets the addresses whose failures are all in the past.
    pub fn forget_idle(&self) {
        self.failures.retain_recent();
        self.failures.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    #[test]
    fn a_burst_is_admitted_then_the_sustained_rate() {
        let clock = FakeRelativeClock::default();
        let limiter = RateLimiter::with_clock(10, 5, clock.clone()).unwrap();
        let r = ResourceId::generate();
        let admitted = (0..20).filter(|_| limiter.check(r).is_ok()).count();
        assert_eq!(admitted, 5, "the burst");
        let wait = limiter.check(r).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(100),
            "{wait:?}"
        );
        // A tenth of a second later, one more.
        clock.advance(Duration::from_millis(100));
        assert!(limiter.check(r).is_ok());
        assert!(limiter.check(r).is_err());
        assert_eq!(limiter.rejected().load(Ordering::Relaxed), 17);
    }

    #[test]
    fn one_resource_at_its_limit_does_not_hold_back_another() {
        let limiter = RateLimiter::with_clock(10, 2, FakeRelativeClock::default()).unwrap();
        let (busy, quiet) = (ResourceId::generate(), ResourceId::generate());
        while limiter.check(busy).is_ok() {}
        assert!(limiter.check(quiet).is_ok());
    }

    #[test]
    fn zero_means_no_limit() {
        assert!(RateLimiter::new(0, 10).is_none());
        assert!(FailureLimiter::new(0, 10).is_none());
    }

    #[test]
    fn an_address_over_its_failures_is_refused_before_trying_until_it_cools_off() {
        let clock = FakeRelativeClock::default();
        let limiter = FailureLimiter::with_clock(2, 3, clock.clone()).unwrap();
        let (bad, good): (IpAddr, IpAddr) =
            ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        for _ in 0..3 {
            assert!(limiter.admit(bad).is_ok());
            assert!(limiter.failed(bad).is_ok(), "within the burst");
        }
        let wait = limiter.failed(bad).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500));
        assert_eq!(limiter.admit(bad).unwrap_err(), Duration::from_millis(500));
        assert!(
            limiter.admit(good).is_ok(),
            "another address is not held back"
        );
        clock.advance(Duration::from_millis(499));
        assert!(limiter.admit(bad).is_err());
        clock.advance(Duration::from_millis(1));
        assert!(
            limiter.admit(bad).is_ok(),
            "one more try once a cell is back"
        );
        assert!(limiter.failed(bad).is_ok());
        assert!(limiter.failed(bad).is_err());
        assert_eq!(limiter.rejected().load(Ordering::Relaxed), 4);
    }

    #[test]
    fn an_ipv6_hosts_addresses_count_together_by_their_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(ClientKey::of(a), ClientKey::of(b));
        assert_ne!(ClientKey::of(a), ClientKey::of(other));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(
            ClientKey::of(mapped),
            ClientKey::of("192.0.2.1".parse().unwrap())
        );
    }
}
