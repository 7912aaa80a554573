//! The pass-through settings: the upstream allow-list, the retry budget and
//! the timeouts.

use super::{ConfigError, Layer};
use crate::domain::AllowedHosts;
use crate::upstream::{
    DEFAULT_BUDGET, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, UpstreamOptions,
};
use std::time::Duration;

/// The budget stays well under the 120 seconds after which Power Automate
/// gives up on a connector call.
const MAX_BUDGET_MS: u64 = 100_000;

impl Layer {
    pub(super) fn upstream(&self) -> Result<UpstreamOptions, ConfigError> {
        let allowed_hosts = match &self.upstream_allowed_hosts {
            None => AllowedHosts::default_list(),
            Some(entries) => AllowedHosts::parse(entries).map_err(|e| {
                ConfigError::Invalid(format!(
                    "upstream_allowed_hosts: {e} Write host[:port] or *.domain[:port], for example *.communication.azure.com or 127.0.0.1:8089."
                ))
            })?,
        };
        Ok(UpstreamOptions {
            allowed_hosts,
            budget: millis(
                "upstream budget",
                self.upstream_budget_ms,
                DEFAULT_BUDGET,
                MAX_BUDGET_MS,
            )?,
            connect_timeout: millis(
                "upstream connect timeout",
                self.upstream_connect_timeout_ms,
                DEFAULT_CONNECT_TIMEOUT,
                60_000,
            )?,
            read_timeout: millis(
                "upstream read timeout",
                self.upstream_read_timeout_ms,
                DEFAULT_READ_TIMEOUT,
                MAX_BUDGET_MS,
            )?,
        })
    }
}

/// A duration of 100 ms to `max` ms, or the default.
fn millis(
    what: &str,
    value: Option<u64>,
    default: Duration,
    max: u64,
) -> Result<Duration, ConfigError> {
    match value {
        None => Ok(default),
        Some(ms) if (100..=max).contains(&ms) => Ok(Duration::from_millis(ms)),
        Some(ms) => Err(ConfigError::Invalid(format!(
            "{what} {ms} ms is out of range: use 100 to {max}."
        ))),
    }
}
