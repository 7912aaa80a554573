//! Webhooks: subscriptions to the change feed, delivered to their callback
//! URLs as Standard Webhooks (signed with each subscription's secret), at
//! least once and in feed order, by one deliverer at a time. `policy.rs`
//! keeps commid from being an open relay.

pub mod policy;

pub use policy::{CallbackPolicy, Refusal};

use crate::domain::AllowedHosts;
use std::path::PathBuf;
use std::time::Duration;

/// Power Automate's and Logic Apps' callback hosts: a flow's callback URL
/// is on a Logic Apps regional host (`prod-NN.<region>.logic.azure.com`),
/// or, for flows whose trigger URLs moved to the Power Platform API, on
/// `<environment>.environment.api.powerplatform.com` (docs/connector.md
/// cites both).
pub const DEFAULT_ALLOWED_HOSTS: [&str; 2] =
    ["*.logic.azure.com", "*.environment.api.powerplatform.com"];
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_RETRY_BASE: Duration = Duration::from_secs(5);
pub const DEFAULT_MAX_FAILURES: u32 = 12;

/// The `webhook_*` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookOptions {
    pub allowed_hosts: AllowedHosts,
    /// Deliver to loopback, private and link-local addresses too.
    pub allow_private_addresses: bool,
    /// Certificates to trust besides the system's.
    pub ca_cert: Option<PathBuf>,
    /// The longest one delivery may take, connecting included.
    pub timeout: Duration,
    /// The wait after a first failure; each next one doubles it.
    pub retry_base: Duration,
    /// Failures in a row after which a subscription is suspended.
    pub max_failures: u32,
}

impl Default for WebhookOptions {
    fn default() -> Self {
        WebhookOptions {
            allowed_hosts: default_hosts(),
            allow_private_addresses: false,
            ca_cert: None,
            timeout: DEFAULT_TIMEOUT,
            retry_base: DEFAULT_RETRY_BASE,
            max_failures: DEFAULT_MAX_FAILURES,
        }
    }
}

/// The allow-list's entries, as [`AllowedHosts::parse_as`] reads them.
pub fn parse_hosts<S: AsRef<str>>(entries: &[S]) -> Result<AllowedHosts, crate::domain::Invalid> {
    AllowedHosts::parse_as(entries, "Webhook host", "webhook_allowed_hosts")
}

fn default_hosts() -> AllowedHosts {
    parse_hosts(&DEFAULT_ALLOWED_HOSTS).expect("the default list is valid")
}

impl WebhookOptions {
    pub fn policy(&self) -> CallbackPolicy {
        CallbackPolicy::new(self.allowed_hosts.clone(), self.allow_private_addresses)
    }
}
