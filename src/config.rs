//! Configuration: a TOML file, then `COMMID_*` environment variables, then
//! flags, each overriding the one before. A bad value stops the start with a
//! message that says which source it came from and how to fix it.

mod database;
mod issuers;
mod settings;
mod upstream;

pub use issuers::TrustedIssuerEntry;
use settings::{SECRET_SETTINGS, SETTINGS};

use crate::domain::{Endpoint, Secret, TrustedIssuer};
use crate::upstream::UpstreamOptions;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// One source's settings; every field optional.
#[derive(Debug, Default, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub http: Option<bool>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub public_url: Option<String>,
    pub body_limit_bytes: Option<usize>,
    pub workers: Option<usize>,
    /// `postgres://…` selects the PostgreSQL store; absent, SQLite in the data dir.
    pub database_url: Option<Secret>,
    pub database_pool_size: Option<usize>,
    pub database_timeout_ms: Option<u64>,
    /// Requests per second and burst allowed to each resource (0: no limit).
    pub rate_limit_per_second: Option<u32>,
    pub rate_limit_burst: Option<u32>,
    /// Writes that may wait for the SQLite writer before new ones get 503.
    pub write_queue: Option<usize>,
    /// `[[trusted_issuers]]`: file only.
    pub trusted_issuers: Option<Vec<TrustedIssuerEntry>>,
    /// Pass-through: the endpoints `Connection-String` requests may be
    /// forwarded to (`host[:port]` or `*.domain[:port]`); empty turns it off.
    pub upstream_allowed_hosts: Option<Vec<String>>,
    /// Pass-through: all attempts and waits of one request together.
    pub upstream_budget_ms: Option<u64>,
    pub upstream_connect_timeout_ms: Option<u64>,
    pub upstream_read_timeout_ms: Option<u64>,
}

pub use crate::storage::Database;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    /// The self-signed certificate in the data dir.
    SelfSigned,
    Files {
        cert: PathBuf,
        key: PathBuf,
    },
    /// Plain HTTP, behind a TLS-terminating proxy.
    Off,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub tls: Tls,
    /// The URL clients reach this server at, when not the listen address.
    pub public_url: Option<Endpoint>,
    pub body_limit: usize,
    pub workers: usize,
    pub database: Database,
    /// Whose Teams user tokens each resource exchanges.
    pub trusted_issuers: Vec<TrustedIssuer>,
    pub limits: Limits,
    /// Pass-through to real ACS resources.
    pub upstream: UpstreamOptions,
}

/// Overload protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Per resource; 0 turns the limit off.
    pub rate_per_second: u32,
    pub burst: u32,
    pub write_queue: usize,
}

pub const DEFAULT_RATE_LIMIT: u32 = 2_000;
pub use crate::storage::sqlite::DEFAULT_WRITE_QUEUE;

/// A setting that stops the start, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value that is not what the setting takes: the message names the
    /// setting, its source and what it expects.
    #[error("{0}")]
    Invalid(String),
    #[error("cannot read the config file {}", .0.display())]
    Read(PathBuf, #[source] std::io::Error),
    #[error("the config file {} is invalid (known settings: {known})", .path.display())]
    Parse {
        path: PathBuf,
        known: String,
        #[source]
        cause: Box<toml::de::Error>,
    },
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8443";
pub const DEFAULT_DATA_DIR: &str = "./commid-data";
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

impl Layer {
    pub fn from_file(path: &Path) -> Result<Layer, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| ConfigError::Read(path.to_owned(), e))?;
        let mut layer: Layer = toml::from_str(&text).map_err(|cause| ConfigError::Parse {
            path: path.to_owned(),
            known: format!(
                "{}, trusted_issuers",
                SETTINGS.map(|(k, _, _)| k).join(", ")
            ),
            cause: Box::new(cause),
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        layer.trusted_issuers = layer
            .trusted_issuers
            .map(|entries| entries.into_iter().map(|e| e.relative_to(dir)).collect());
        Ok(layer)
    }

    /// The `COMMID_*` variables, read through `var` so tests need not touch
    /// the process environment.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Layer, ConfigError> {
        let mut layer = Layer::default();
        for (field, name, set) in SETTINGS {
            let Some(value) = var(name) else { continue };
            set(&mut layer, &value).map_err(|expected| {
                let shown = if SECRET_SETTINGS.contains(&field) {
                    "<redacted>"
                } else {
                    value.as_str()
                };
                ConfigError::Invalid(format!("{name}='{shown}' is not {expected}."))
            })?;
        }
        Ok(layer)
    }

    /// `over`'s values win where it has them.
    pub fn merge(self, over: Layer) -> Layer {
        Layer {
            listen: over.listen.or(self.listen),
            data_dir: over.data_dir.or(self.data_dir),
            http: over.http.or(self.http),
            tls_cert: over.tls_cert.or(self.tls_cert),
            tls_key: over.tls_key.or(self.tls_key),
            public_url: over.public_url.or(self.public_url),
            body_limit_bytes: over.body_limit_bytes.or(self.body_limit_bytes),
            workers: over.workers.or(self.workers),
            database_url: over.database_url.or(self.database_url),
            database_pool_size: over.database_pool_size.or(self.database_pool_size),
            database_timeout_ms: over.database_timeout_ms.or(self.database_timeout_ms),
            rate_limit_per_second: over.rate_limit_per_second.or(self.rate_limit_per_second),
            rate_limit_burst: over.rate_limit_burst.or(self.rate_limit_burst),
            write_queue: over.write_queue.or(self.write_queue),
            trusted_issuers: over.trusted_issuers.or(self.trusted_issuers),
            upstream_allowed_hosts: over.upstream_allowed_hosts.or(self.upstream_allowed_hosts),
            upstream_budget_ms: over.upstream_budget_ms.or(self.upstream_budget_ms),
            upstream_connect_timeout_ms: over
                .upstream_connect_timeout_ms
                .or(self.upstream_connect_timeout_ms),
            upstream_read_timeout_ms: over
                .upstream_read_timeout_ms
                .or(self.upstream_read_timeout_ms),
        }
    }

    fn limits(&self) -> Result<Limits, ConfigError> {
        let rate_per_second = self.rate_limit_per_second.unwrap_or(DEFAULT_RATE_LIMIT);
        let burst = self
            .rate_limit_burst
            .unwrap_or(rate_per_second.saturating_mul(2).max(1));
        if rate_per_second > 0 && !(1..=rate_per_second.saturating_mul(60)).contains(&burst) {
            return Err(ConfigError::Invalid(format!(
                "rate limit burst {burst} is out of range: use 1 to 60 × the rate ({rate_per_second}/s)."
            )));
        }
        let write_queue = self.write_queue.unwrap_or(DEFAULT_WRITE_QUEUE);
        if !(1..=1_000_000).contains(&write_queue) {
            return Err(ConfigError::Invalid(format!(
                "write queue {write_queue} is out of range: use 1 to 1000000."
            )));
        }
        Ok(Limits {
            rate_per_second,
            burst,
            write_queue,
        })
    }

    pub fn data_dir(&self) -> PathBuf {
        self.data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR))
    }

    pub fn resolve(self) -> Result<Config, ConfigError> {
        let listen_text = self.listen.clone().unwrap_or_else(|| DEFAULT_LISTEN.into());
        let listen: SocketAddr = listen_text.parse().map_err(|_| {
            ConfigError::Invalid(format!("listen address '{listen_text}' is not an IP address and port, for example {DEFAULT_LISTEN}."))
        })?;
        let tls = match (
            self.http.unwrap_or(false),
            self.tls_cert.clone(),
            self.tls_key.clone(),
        ) {
            (true, None, None) => Tls::Off,
            (true, _, _) => {
                return Err(ConfigError::Invalid(
                    "--http serves plain HTTP: drop --tls-cert/--tls-key, or drop --http.".into(),
                ));
            }
            (false, Some(cert), Some(key)) => Tls::Files { cert, key },
            (false, None, None) => Tls::SelfSigned,
            (false, _, _) => {
                return Err(ConfigError::Invalid(
                    "give both --tls-cert and --tls-key, or neither for a self-signed certificate."
                        .into(),
                ));
            }
        };
        let public_url = self
            .public_url
            .as_deref()
            .map(Endpoint::parse)
            .transpose()
            .map_err(|e| {
                ConfigError::Invalid(format!(
                    "public URL: {e} Use for example https://commid.example.com/."
                ))
            })?;
        let body_limit = self.body_limit_bytes.unwrap_or(DEFAULT_BODY_LIMIT);
        if !(1024..=16 * 1024 * 1024).contains(&body_limit) {
            return Err(ConfigError::Invalid(format!(
                "body limit {body_limit} bytes is out of range: use 1024 to 16777216."
            )));
        }
        let workers = self.workers.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        });
        if !(1..=256).contains(&workers) {
            return Err(ConfigError::Invalid(format!(
                "{workers} workers is out of range: use 1 to 256."
            )));
        }
        let database = self.database()?;
        let trusted_issuers =
            issuers::resolve(self.trusted_issuers.as_deref().unwrap_or_default())?;
        let limits = self.limits()?;
        let upstream = self.upstream()?;
        Ok(Config {
            listen,
            data_dir: self.data_dir(),
            tls,
            public_url,
            body_limit,
            workers,
            database,
            trusted_issuers,
            limits,
            upstream,
        })
    }
}

#[cfg(test)]
mod tests;
