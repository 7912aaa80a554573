//! The settings that environment variables can set, in one table.

use super::Layer;
use crate::domain::Secret;
use std::path::PathBuf;

/// Reads one variable's text into a layer; on failure, what was expected.
pub(super) type Setter = fn(&mut Layer, &str) -> Result<(), &'static str>;

/// Every setting: its file key, its variable, and how to read it. The one
/// list of settings; the file's keys come from `Layer`'s fields, which
/// `every_setting_has_a_variable` keeps in step with this table.
pub(super) const SETTINGS: [(&str, &str, Setter); 18] = [
    ("listen", "COMMID_LISTEN", |l, v| {
        l.listen = Some(v.to_owned());
        Ok(())
    }),
    ("data_dir", "COMMID_DATA_DIR", |l, v| {
        l.data_dir = Some(PathBuf::from(v));
        Ok(())
    }),
    ("http", "COMMID_HTTP", |l, v| {
        l.http = Some(parse_bool(v).ok_or("true or false")?);
        Ok(())
    }),
    ("tls_cert", "COMMID_TLS_CERT", |l, v| {
        l.tls_cert = Some(PathBuf::from(v));
        Ok(())
    }),
    ("tls_key", "COMMID_TLS_KEY", |l, v| {
        l.tls_key = Some(PathBuf::from(v));
        Ok(())
    }),
    ("public_url", "COMMID_PUBLIC_URL", |l, v| {
        l.public_url = Some(v.to_owned());
        Ok(())
    }),
    ("body_limit_bytes", "COMMID_BODY_LIMIT_BYTES", |l, v| {
        l.body_limit_bytes = Some(v.parse().map_err(|_| "a byte count")?);
        Ok(())
    }),
    ("workers", "COMMID_WORKERS", |l, v| {
        l.workers = Some(v.parse().map_err(|_| "a number of workers")?);
        Ok(())
    }),
    ("database_url", "COMMID_DATABASE_URL", |l, v| {
        l.database_url = Some(Secret::new(v));
        Ok(())
    }),
    ("database_pool_size", "COMMID_DATABASE_POOL_SIZE", |l, v| {
        l.database_pool_size = Some(v.parse().map_err(|_| "a number of connections")?);
        Ok(())
    }),
    (
        "database_timeout_ms",
        "COMMID_DATABASE_TIMEOUT_MS",
        |l, v| {
            l.database_timeout_ms = Some(v.parse().map_err(|_| "a number of milliseconds")?);
            Ok(())
        },
    ),
    (
        "rate_limit_per_second",
        "COMMID_RATE_LIMIT_PER_SECOND",
        |l, v| {
            l.rate_limit_per_second = Some(
                v.parse()
                    .map_err(|_| "a number of requests per second (0: no limit)")?,
            );
            Ok(())
        },
    ),
    ("rate_limit_burst", "COMMID_RATE_LIMIT_BURST", |l, v| {
        l.rate_limit_burst = Some(v.parse().map_err(|_| "a number of requests")?);
        Ok(())
    }),
    ("write_queue", "COMMID_WRITE_QUEUE", |l, v| {
        l.write_queue = Some(v.parse().map_err(|_| "a number of writes")?);
        Ok(())
    }),
    (
        "upstream_allowed_hosts",
        "COMMID_UPSTREAM_ALLOWED_HOSTS",
        |l, v| {
            l.upstream_allowed_hosts = Some(
                v.split(',')
                    .map(str::trim)
                    .filter(|e| !e.is_empty())
                    .map(str::to_owned)
                    .collect(),
            );
            Ok(())
        },
    ),
    ("upstream_budget_ms", "COMMID_UPSTREAM_BUDGET_MS", |l, v| {
        l.upstream_budget_ms = Some(v.parse().map_err(|_| "a number of milliseconds")?);
        Ok(())
    }),
    (
        "upstream_connect_timeout_ms",
        "COMMID_UPSTREAM_CONNECT_TIMEOUT_MS",
        |l, v| {
            l.upstream_connect_timeout_ms =
                Some(v.parse().map_err(|_| "a number of milliseconds")?);
            Ok(())
        },
    ),
    (
        "upstream_read_timeout_ms",
        "COMMID_UPSTREAM_READ_TIMEOUT_MS",
        |l, v| {
            l.upstream_read_timeout_ms = Some(v.parse().map_err(|_| "a number of milliseconds")?);
            Ok(())
        },
    ),
];

/// Settings whose values are never echoed in an error.
pub(super) const SECRET_SETTINGS: [&str; 1] = ["database_url"];

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}
