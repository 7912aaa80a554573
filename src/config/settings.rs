//! Every setting, declared once: its file key, `COMMID_*` variable, flag,
//! default and meaning. `Layer`, the readers of the environment, the flags
//! of the commands and the table of docs/configuration.md (checked by the
//! test `the_documentation_lists_every_setting_as_declared`) all come from
//! here. Add a setting by adding an entry; [`super::Layer::resolve`] turns
//! it into configuration.

use super::TrustedIssuerEntry;
use super::declare::{computed, nothing, settings, value};
use super::values::{
    boolean, file_only, list, log_format, number, path, secret, secret_list, text,
};
use crate::domain::{DEFAULT_UPSTREAM_HOSTS, Secret};
use crate::logs::LogFormat;
use crate::upstream::{DEFAULT_BUDGET, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT};
use std::path::PathBuf;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8443";
pub const DEFAULT_DATA_DIR: &str = "./commid-data";
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;
pub const DEFAULT_RATE_LIMIT: u32 = 2_000;
pub const DEFAULT_AUTH_FAILURE_LIMIT: u32 = 10;
pub const DEFAULT_POOL_SIZE: usize = 16;
pub const DEFAULT_DATABASE_TIMEOUT_MS: u64 = 3000;
pub const DEFAULT_EVENT_RETENTION_HOURS: u64 = 7 * 24;
pub const DEFAULT_DRAIN_SECONDS: u64 = 5;
pub use crate::storage::sqlite::DEFAULT_WRITE_QUEUE;

fn millis(duration: std::time::Duration) -> u64 {
    duration.as_millis() as u64
}

settings! {
    listen: String {
        env: Some("COMMID_LISTEN"), flag: serve("listen", "ADDR"),
        default: value(DEFAULT_LISTEN), read: text,
        meaning: "address and port; loopback unless you say otherwise",
    },
    data_dir: PathBuf {
        env: Some("COMMID_DATA_DIR"), flag: store("data-dir", "DIR"),
        default: value(DEFAULT_DATA_DIR), read: path,
        meaning: "database, certificates, lock file (created `0700`)",
    },
    http: bool {
        env: Some("COMMID_HTTP"), flag: switch("http"),
        default: value(false), read: boolean,
        meaning: "plain HTTP, for use behind a TLS-terminating proxy",
    },
    tls_cert: PathBuf {
        env: Some("COMMID_TLS_CERT"), flag: serve("tls-cert", "FILE"),
        default: computed("self-signed"), read: path,
        meaning: "your PEM certificate chain (with `tls_key`). Without them, `serve` keeps a certificate \
            authority in `DATA_DIR/tls/` (`ca.pem`, what clients trust, made once) and issues itself a \
            server certificate on every start for `localhost`, the loopback addresses and every \
            resource's endpoint host",
    },
    tls_key: PathBuf {
        env: Some("COMMID_TLS_KEY"), flag: serve("tls-key", "FILE"),
        default: computed("self-signed"), read: path,
        meaning: "the PEM private key of `tls_cert`",
    },
    public_url: String {
        env: Some("COMMID_PUBLIC_URL"), flag: serve("public-url", "URL"),
        default: computed("the listen address"), read: text,
        meaning: "the URL clients use, printed in the connection string and used as the default \
            resource's endpoint",
    },
    show_connection_string: bool {
        env: Some("COMMID_SHOW_CONNECTION_STRING"), flag: switch("show-connection-string"),
        default: value(false), read: boolean,
        meaning: "`serve` prints the default resource's connection string on every start. Without \
            it, only on the start that created the resource (a log keeps what it is shown: read \
            the keys with `commid resource show-keys`)",
    },
    body_limit_bytes: usize {
        env: Some("COMMID_BODY_LIMIT_BYTES"), flag: none,
        default: value(DEFAULT_BODY_LIMIT), read: number!("a byte count"),
        meaning: "larger request bodies get 413 (1024 to 16777216)",
    },
    workers: usize {
        env: Some("COMMID_WORKERS"), flag: serve("workers", "N"),
        default: computed("one per CPU"), read: number!("a number of workers"),
        meaning: "HTTP worker threads (1 to 256)",
    },
    drain_seconds: u64 {
        env: Some("COMMID_DRAIN_SECONDS"), flag: serve("drain-seconds", "SECONDS"),
        default: value(DEFAULT_DRAIN_SECONDS), read: number!("a number of seconds"),
        meaning: "on SIGTERM, how long `/readyz` and `/healthz` answer 503 while every request is \
            still served (with `Connection: close`) before the server stops (0 to 300; 0: stop at \
            once). Longer than your proxy's health check interval plus its timeout. SIGINT, or a \
            second signal, stops without it",
    },
    database_url: Secret {
        env: Some("COMMID_DATABASE_URL"), flag: store("database-url", "URL"),
        default: computed("SQLite in the data dir"), read: secret,
        meaning: "`postgres://user:password@host:5432/db` for the shared PostgreSQL store, with \
            `?sslmode=require` for TLS (see [PostgreSQL](#postgresql)); never logged",
    },
    database_pool_size: usize {
        env: Some("COMMID_DATABASE_POOL_SIZE"), flag: store("database-pool-size", "N"),
        default: value(DEFAULT_POOL_SIZE), read: number!("a number of connections"),
        meaning: "PostgreSQL connections per server (1 to 1024)",
    },
    database_timeout_ms: u64 {
        env: Some("COMMID_DATABASE_TIMEOUT_MS"), flag: none,
        default: value(DEFAULT_DATABASE_TIMEOUT_MS), read: number!("a number of milliseconds"),
        meaning: "deadline of a database call (100 to 60000); past it the request gets 503 with \
            `Retry-After`",
    },
    encryption_keys: Vec<Secret> {
        env: Some("COMMID_ENCRYPTION_KEYS"), flag: none,
        default: nothing(), read: secret_list,
        meaning: "keys that seal the secrets the database keeps (access keys, signing keys' private \
            keys, the paging secret, webhook subscriptions' secrets), each 32 random bytes in base64 (`commid secrets generate-key`): \
            the first seals, every one opens (a list in the file, comma-separated in the variable; \
            no flag, as other users can read a command line). Without a key secrets are stored in \
            plaintext and `serve` warns (see [Secrets at rest](#secrets-at-rest)); never logged",
    },
    encryption_keys_file: PathBuf {
        env: Some("COMMID_ENCRYPTION_KEYS_FILE"), flag: store("encryption-keys-file", "FILE"),
        default: nothing(), read: path,
        meaning: "the keys of `encryption_keys` from a file instead, one per line, the sealing key first (blank lines and \
            `#` comments skipped): for a mounted secret",
    },
    rate_limit_per_second: u32 {
        env: Some("COMMID_RATE_LIMIT_PER_SECOND"), flag: none,
        default: value(DEFAULT_RATE_LIMIT),
        read: number!("a number of requests per second (0: no limit)"),
        meaning: "requests per second each resource may make, counted once a request has \
            authenticated (a request without a valid credential spends none), by each instance \
            (behind a load balancer over N instances a resource gets up to N times this); over it, 429 \
            `TooManyRequests` with `Retry-After`; `0` turns the limit off. Forwarded \
            (pass-through) requests are not counted: the upstream limits its own resources",
    },
    rate_limit_burst: u32 {
        env: Some("COMMID_RATE_LIMIT_BURST"), flag: none,
        default: computed("twice the rate"), read: number!("a number of requests"),
        meaning: "requests a resource may send at once before the rate applies (1 to 60 times the \
            rate)",
    },
    auth_failure_limit_per_second: u32 {
        env: Some("COMMID_AUTH_FAILURE_LIMIT_PER_SECOND"), flag: none,
        default: value(DEFAULT_AUTH_FAILURE_LIMIT),
        read: number!("a number of failures per second (0: no limit)"),
        meaning: "failed authentications per second each client address may make (a missing, \
            wrong or expired credential of any scheme: 401); past its burst the address gets 429 \
            `TooManyRequests` with `Retry-After` before its credentials are even read, and no \
            resource's `rate_limit_per_second` is spent. Behind a reverse proxy set \
            `trusted_proxies`, or every client has the proxy's address. `0` turns it off",
    },
    auth_failure_limit_burst: u32 {
        env: Some("COMMID_AUTH_FAILURE_LIMIT_BURST"), flag: none,
        default: computed("ten times the rate"), read: number!("a number of failures"),
        meaning: "failed authentications an address may make at once before that rate applies (1 \
            to 3600 times the rate)",
    },
    trusted_proxies: Vec<String> {
        env: Some("COMMID_TRUSTED_PROXIES"), flag: none,
        default: value(Vec::new()), read: list,
        meaning: "reverse proxies whose `X-Forwarded-For` names the client, as addresses or CIDR \
            ranges (`10.0.0.0/8`; a list in the file, comma-separated in the variable): for a \
            request from one of them the client is the rightmost address of `X-Forwarded-For` \
            that is not a trusted proxy. From any other sender the header is ignored ([client \
            addresses](#client-addresses))",
    },
    write_queue: usize {
        env: Some("COMMID_WRITE_QUEUE"), flag: none,
        default: value(DEFAULT_WRITE_QUEUE), read: number!("a number of writes"),
        meaning: "SQLite writes that may wait for the writer (1 to 1000000); past it, 503 \
            `ServiceUnavailable` with `Retry-After` instead of an unbounded queue",
    },
    event_retention_hours: u64 {
        env: Some("COMMID_EVENT_RETENTION_HOURS"), flag: none,
        default: value(DEFAULT_EVENT_RETENTION_HOURS), read: number!("a number of hours"),
        meaning: "how long the change feed (`GET /identityEvents`) keeps events (1 to 8760); a \
            cursor older than that gets 410 `CursorExpired` (a trigger's starts again at the end)",
    },
    verify_cache_bytes: usize {
        env: Some("COMMID_VERIFY_CACHE_BYTES"), flag: none,
        default: value(crate::tokens::DEFAULT_VERIFY_CACHE_BYTES),
        read: number!("a byte count (0: no cache)"),
        meaning: "memory for tokens whose signature `POST /accessTokens/:verify` already checked \
            (0 to 1073741824; `0` turns the cache off): verifying one again skips the signature, \
            never the expiry, identity and revocation checks",
    },
    trusted_issuers: Vec<TrustedIssuerEntry> {
        env: None, flag: none,
        default: nothing(), read: file_only,
        meaning: "`[[trusted_issuers]]` tables, of the file only: whose Microsoft Entra tokens \
            each resource exchanges, and in which exchanges ([below](#trusted-issuers))",
    },
    upstream_allowed_hosts: Vec<String> {
        env: Some("COMMID_UPSTREAM_ALLOWED_HOSTS"), flag: none,
        default: value(DEFAULT_UPSTREAM_HOSTS.map(str::to_owned).to_vec()), read: list,
        meaning: "[pass-through](passthrough.md): the endpoints a `Connection-String` request may be \
            forwarded to, `host[:port]` or `*.domain[:port]` (a list in the file, comma-separated in \
            the variable); empty turns pass-through off",
    },
    upstream_budget_ms: u64 {
        env: Some("COMMID_UPSTREAM_BUDGET_MS"), flag: none,
        default: value(millis(DEFAULT_BUDGET)), read: number!("a number of milliseconds"),
        meaning: "pass-through: the most time one request spends upstream, every attempt and wait \
            included (100 to 100000)",
    },
    upstream_connect_timeout_ms: u64 {
        env: Some("COMMID_UPSTREAM_CONNECT_TIMEOUT_MS"), flag: none,
        default: value(millis(DEFAULT_CONNECT_TIMEOUT)), read: number!("a number of milliseconds"),
        meaning: "pass-through: the longest wait for a connection (100 to 60000)",
    },
    upstream_read_timeout_ms: u64 {
        env: Some("COMMID_UPSTREAM_READ_TIMEOUT_MS"), flag: none,
        default: value(millis(DEFAULT_READ_TIMEOUT)), read: number!("a number of milliseconds"),
        meaning: "pass-through: the longest silence while waiting for or reading an answer (100 to \
            100000)",
    },
    webhook_allowed_hosts: Vec<String> {
        env: Some("COMMID_WEBHOOK_ALLOWED_HOSTS"), flag: none,
        default: value(crate::webhooks::DEFAULT_ALLOWED_HOSTS.map(str::to_owned).to_vec()), read: list,
        meaning: "[webhooks](api.md#webhook-subscriptions): the hosts callback URLs may name, `host[:port]` \
            or `*.domain[:port]` (a list in the file, comma-separated in the variable); by default \
            Power Automate's and Logic Apps' callback hosts; empty refuses every subscription",
    },
    webhook_allow_private_addresses: bool {
        env: Some("COMMID_WEBHOOK_ALLOW_PRIVATE_ADDRESSES"), flag: none,
        default: value(false), read: boolean,
        meaning: "webhooks: also deliver to hosts that resolve to loopback, private or link-local \
            addresses (by default refused when a subscription is made and again at every \
            connection); for tests and private networks only",
    },
    webhook_ca_cert: PathBuf {
        env: Some("COMMID_WEBHOOK_CA_CERT"), flag: none,
        default: nothing(), read: path,
        meaning: "webhooks: a PEM file of certificates to trust for callback URLs besides the \
            system's",
    },
    webhook_timeout_ms: u64 {
        env: Some("COMMID_WEBHOOK_TIMEOUT_MS"), flag: none,
        default: value(millis(crate::webhooks::DEFAULT_TIMEOUT)), read: number!("a number of milliseconds"),
        meaning: "webhooks: the longest one delivery may take, connecting included (100 to 60000); \
            past it the delivery failed and is retried",
    },
    webhook_retry_base_ms: u64 {
        env: Some("COMMID_WEBHOOK_RETRY_BASE_MS"), flag: none,
        default: value(millis(crate::webhooks::DEFAULT_RETRY_BASE)), read: number!("a number of milliseconds"),
        meaning: "webhooks: the wait after a first failed delivery (10 to 3600000); each failure \
            in a row doubles it, up to an hour, with random jitter",
    },
    webhook_max_failures: u32 {
        env: Some("COMMID_WEBHOOK_MAX_FAILURES"), flag: none,
        default: value(crate::webhooks::DEFAULT_MAX_FAILURES), read: number!("a number of failures"),
        meaning: "webhooks: failed deliveries in a row after which a subscription is suspended \
            (1 to 100); resuming it delivers from where it stopped",
    },
    log_format: LogFormat {
        env: Some("COMMID_LOG_FORMAT"), flag: none,
        default: value(LogFormat::Text), read: log_format,
        meaning: "`text`: one line per record, `[time LEVEL target] message`; `json`: one JSON object \
            per line (`timestamp`, `level`, `target`, `message` and the access line's fields as \
            members), for log shippers. Read before anything is logged, by every command (see \
            [Logs](#logs))",
    },
    metrics: bool {
        env: Some("COMMID_METRICS"), flag: switch("metrics"),
        default: computed("`off`"), read: boolean,
        meaning: "`on` serves Prometheus metrics at `GET /metrics` on the main listener, without \
            credentials; `off` records none (see [Metrics](#metrics))",
    },
    metrics_listen: String {
        env: Some("COMMID_METRICS_LISTEN"), flag: serve("metrics-listen", "ADDR"),
        default: nothing(), read: text,
        meaning: "serve `/metrics` on this address and port instead, plain HTTP with nothing else \
            there: a scrape-only port to keep private (turns metrics on)",
    },
}
