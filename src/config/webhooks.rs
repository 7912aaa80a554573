//! The webhook settings: where deliveries may go, whom to trust, and how
//! long to wait and retry.

use super::{ConfigError, Layer, declared};
use crate::webhooks::{WebhookOptions, parse_hosts};
use std::time::Duration;

impl Layer {
    /// After [`Layer::defaults`].
    pub(super) fn webhooks(&self) -> Result<WebhookOptions, ConfigError> {
        let entries = declared(self.webhook_allowed_hosts.as_ref());
        let allowed_hosts = parse_hosts(entries).map_err(|e| {
            ConfigError::Invalid(format!(
                "webhook_allowed_hosts: {e} Write host[:port] or *.domain[:port], for example *.logic.azure.com or hooks.example.com:8443."
            ))
        })?;
        let ms = |what: &str, value: u64, min: u64, max: u64| {
            if (min..=max).contains(&value) {
                Ok(Duration::from_millis(value))
            } else {
                Err(ConfigError::Invalid(format!(
                    "{what} {value} ms is out of range: use {min} to {max}."
                )))
            }
        };
        let max_failures = declared(self.webhook_max_failures);
        if !(1..=100).contains(&max_failures) {
            return Err(ConfigError::Invalid(format!(
                "webhook max failures {max_failures} is out of range: use 1 to 100."
            )));
        }
        Ok(WebhookOptions {
            allowed_hosts,
            allow_private_addresses: declared(self.webhook_allow_private_addresses),
            ca_cert: self.webhook_ca_cert.clone(),
            timeout: ms(
                "webhook timeout",
                declared(self.webhook_timeout_ms),
                100,
                60_000,
            )?,
            retry_base: ms(
                "webhook retry base",
                declared(self.webhook_retry_base_ms),
                10,
                3_600_000,
            )?,
            max_failures,
        })
    }
}
