//! The pass-through settings: the upstream allow-list, the retry budget and
//! the timeouts.

use super::{ConfigError, Layer, declared};
use crate::domain::AllowedHosts;
use crate::upstream::UpstreamOptions;
use std::time::Duration;

/// The budget stays well under the 120 seconds after which Power Automate
/// gives up on a connector call.
const MAX_BUDGET_MS: u64 = 100_000;

impl Layer {
    /// After [`Layer::defaults`].
    pub(super) fn upstream(&self) -> Result<UpstreamOptions, ConfigError> {
        let entries = declared(self.upstream_allowed_hosts.as_ref());
        let allowed_hosts = AllowedHosts::parse(entries).map_err(|e| {
            ConfigError::Invalid(format!(
                "upstream_allowed_hosts: {e} Write host[:port] or *.domain[:port], for example *.communication.azure.com or 127.0.0.1:8089."
            ))
        })?;
        Ok(UpstreamOptions {
            allowed_hosts,
            budget: millis(
                "upstream budget",
                declared(self.upstream_budget_ms),
                MAX_BUDGET_MS,
            )?,
            connect_timeout: millis(
                "upstream connect timeout",
                declared(self.upstream_connect_timeout_ms),
                60_000,
            )?,
            read_timeout: millis(
                "upstream read timeout",
                declared(self.upstream_read_timeout_ms),
                MAX_BUDGET_MS,
            )?,
        })
    }
}

/// A duration of 100 ms to `max` ms.
fn millis(what: &str, ms: u64, max: u64) -> Result<Duration, ConfigError> {
    if (100..=max).contains(&ms) {
        Ok(Duration::from_millis(ms))
    } else {
        Err(ConfigError::Invalid(format!(
            "{what} {ms} ms is out of range: use 100 to {max}."
        )))
    }
}
