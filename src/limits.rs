//! Per-resource rate limits, so that one busy tenant cannot starve the
//! others. A generic cell rate algorithm (GCRA) per resource: one atomic
//! "theoretical arrival time" each, no lock on the request path once the
//! resource has been seen.

use crate::domain::ResourceId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub struct RateLimiter {
    /// Nanoseconds between two requests at the sustained rate.
    interval: u64,
    /// How far ahead of now the theoretical arrival time may run: the burst.
    tolerance: u64,
    per_second: u32,
    cells: RwLock<HashMap<ResourceId, Arc<AtomicU64>>>,
    epoch: Instant,
    /// Requests refused since start, for the metrics.
    rejected: Arc<AtomicU64>,
}

impl RateLimiter {
    /// `None` when `per_second` is 0 (no limit).
    pub fn new(per_second: u32, burst: u32) -> Option<Self> {
        if per_second == 0 {
            return None;
        }
        let interval = 1_000_000_000 / u64::from(per_second);
        Some(RateLimiter {
            interval,
            tolerance: interval * u64::from(burst.max(1) - 1),
            per_second,
            cells: RwLock::new(HashMap::new()),
            epoch: Instant::now(),
            rejected: Arc::default(),
        })
    }

    pub fn per_second(&self) -> u32 {
        self.per_second
    }

    /// Admits one request of `resource`, or says how long to wait.
    pub fn check(&self, resource: ResourceId) -> Result<(), Duration> {
        self.check_at(resource, self.epoch.elapsed().as_nanos() as u64)
            .inspect_err(|_| {
                self.rejected.fetch_add(1, Ordering::Relaxed);
            })
    }

    /// The count of refused requests, which keeps growing.
    pub fn rejected(&self) -> Arc<AtomicU64> {
        self.rejected.clone()
    }

    fn check_at(&self, resource: ResourceId, now: u64) -> Result<(), Duration> {
        let cell = self.cell(resource);
        let mut tat = cell.load(Ordering::Acquire);
        loop {
            let start = tat.max(now);
            if start - now > self.tolerance {
                return Err(Duration::from_nanos(start - now - self.tolerance));
            }
            match cell.compare_exchange_weak(
                tat,
                start + self.interval,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Ok(()),
                Err(current) => tat = current,
            }
        }
    }

    fn cell(&self, resource: ResourceId) -> Arc<AtomicU64> {
        if let Some(cell) = self
            .cells
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&resource)
        {
            return cell.clone();
        }
        self.cells
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .entry(resource)
            .or_default()
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000_000;

    #[test]
    fn a_burst_is_admitted_then_the_sustained_rate() {
        let limiter = RateLimiter::new(10, 5).unwrap();
        let r = ResourceId::generate();
        let admitted = (0..20)
            .filter(|_| limiter.check_at(r, SECOND).is_ok())
            .count();
        assert_eq!(admitted, 5, "the burst");
        let wait = limiter.check_at(r, SECOND).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(100),
            "{wait:?}"
        );
        // A tenth of a second later, one more.
        assert!(limiter.check_at(r, SECOND + SECOND / 10).is_ok());
        assert!(limiter.check_at(r, SECOND + SECOND / 10).is_err());
    }

    #[test]
    fn one_resource_at_its_limit_does_not_hold_back_another() {
        let limiter = RateLimiter::new(10, 2).unwrap();
        let (busy, quiet) = (ResourceId::generate(), ResourceId::generate());
        while limiter.check_at(busy, SECOND).is_ok() {}
        assert!(limiter.check_at(quiet, SECOND).is_ok());
    }

    #[test]
    fn zero_means_no_limit() {
        assert!(RateLimiter::new(0, 10).is_none());
    }
}
