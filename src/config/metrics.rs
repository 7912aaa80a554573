//! The metrics settings: off, on the main listener, or on a listener of
//! their own.

use super::{ConfigError, Layer};
use std::net::SocketAddr;

/// Where `GET /metrics` is served; anything but `Off` records them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsServing {
    Off,
    /// On the main listener, beside the API.
    Main,
    /// On this address only, plain HTTP, with nothing else there.
    Separate(SocketAddr),
}

impl MetricsServing {
    pub fn enabled(self) -> bool {
        self != MetricsServing::Off
    }
}

impl Layer {
    pub(super) fn metrics_serving(
        &self,
        listen: SocketAddr,
    ) -> Result<MetricsServing, ConfigError> {
        let Some(text) = self.metrics_listen.as_deref() else {
            return Ok(match self.metrics {
                Some(true) => MetricsServing::Main,
                _ => MetricsServing::Off,
            });
        };
        if self.metrics == Some(false) {
            return Err(ConfigError::Invalid(
                "metrics_listen serves the metrics, but metrics is off: drop one of them.".into(),
            ));
        }
        let address: SocketAddr = text.parse().map_err(|_| {
            ConfigError::Invalid(format!(
                "metrics listen address '{text}' is not an IP address and port, for example 127.0.0.1:9464."
            ))
        })?;
        if address == listen && address.port() != 0 {
            return Err(ConfigError::Invalid(format!(
                "metrics listen address {address} is the API's own: choose another port, or set metrics = on to serve them beside the API."
            )));
        }
        Ok(MetricsServing::Separate(address))
    }
}
