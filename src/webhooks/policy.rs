//! Where deliveries may go, so that commid is no open relay: https only, a
//! host on `webhook_allowed_hosts`, and never a loopback, private,
//! link-local or otherwise non-public address, checked when a subscription
//! is made (its host resolved) and again at every connection (the
//! resolver the delivery client connects through keeps only public
//! addresses, so a name that resolves elsewhere later is refused then).
//! `webhook_allow_private_addresses` lifts the address rule, for tests and
//! private networks, and only then.

use crate::domain::{AllowedHosts, CallbackUrl, is_public};
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// Why a callback URL may not be called.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "{0} is not on this server's webhook_allowed_hosts (Power Automate's and Logic Apps' callback hosts unless its operator says otherwise)"
    )]
    NotAllowed(String),
    #[error("{host} is {ip}, which is not a public address")]
    NotPublic { host: String, ip: IpAddr },
    #[error("{0} cannot be resolved")]
    Unresolvable(String),
}

/// The rules, as configured.
#[derive(Clone)]
pub struct CallbackPolicy {
    allowed: AllowedHosts,
    allow_private: bool,
    lookup: Lookup,
}

/// Resolves a host name to its addresses.
pub type Lookup = Arc<
    dyn Fn(String) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>>
        + Send
        + Sync,
>;

/// The system's resolver.
pub fn system_lookup() -> Lookup {
    Arc::new(|host: String| {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    })
}

/// How long a registration waits for the host's addresses.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

impl CallbackPolicy {
    pub fn new(allowed: AllowedHosts, allow_private: bool) -> Self {
        Self::with_lookup(allowed, allow_private, system_lookup())
    }

    pub fn with_lookup(allowed: AllowedHosts, allow_private: bool, lookup: Lookup) -> Self {
        CallbackPolicy {
            allowed,
            allow_private,
            lookup,
        }
    }

    pub fn permits_address(&self, ip: IpAddr) -> bool {
        self.allow_private || is_public(ip)
    }

    /// What can be said without resolving: the allow-list, and an address
    /// written in the URL.
    pub fn check(&self, url: &CallbackUrl) -> Result<(), Refusal> {
        if !self.allowed.permits_url(url.url()) {
            return Err(Refusal::NotAllowed(url.origin()));
        }
        let literal = match url.url().host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        match literal {
            Some(ip) if !self.permits_address(ip) => Err(Refusal::NotPublic {
                host: url.origin(),
                ip,
            }),
            _ => Ok(()),
        }
    }

    /// [`Self::check`], then every address the host resolves to.
    pub async fn check_resolved(&self, url: &CallbackUrl) -> Result<(), Refusal> {
        self.check(url)?;
        let Some(url::Host::Domain(domain)) = url.url().host() else {
            return Ok(());
        };
        let unresolvable = || Refusal::Unresolvable(url.origin());
        let addresses = tokio::time::timeout(LOOKUP_TIMEOUT, (self.lookup)(domain.to_owned()))
            .await
            .map_err(|_| unresolvable())?
            .map_err(|_| unresolvable())?;
        if addresses.is_empty() {
            return Err(unresolvable());
        }
        match addresses.into_iter().find(|ip| !self.permits_address(*ip)) {
            Some(ip) => Err(Refusal::NotPublic {
                host: url.origin(),
                ip,
            }),
            None => Ok(()),
        }
    }

    /// The resolver deliveries connect through.
    pub fn resolver(&self) -> GuardedResolver {
        GuardedResolver {
            policy: self.clone(),
        }
    }
}

/// A resolver that gives the connector only the addresses the policy
/// permits: the check at connect time, after whatever the name resolves to
/// now.
pub struct GuardedResolver {
    policy: CallbackPolicy,
}

impl GuardedResolver {
    /// The permitted addresses of `host`, or why there are none.
    pub async fn permitted(&self, host: &str) -> Result<Vec<IpAddr>, Refusal> {
        let unresolvable = || Refusal::Unresolvable(host.to_owned());
        let addresses = (self.policy.lookup)(host.to_owned())
            .await
            .map_err(|_| unresolvable())?;
        let refused = addresses
            .iter()
            .copied()
            .find(|ip| !self.policy.permits_address(*ip));
        let kept: Vec<IpAddr> = addresses
            .into_iter()
            .filter(|ip| self.policy.permits_address(*ip))
            .collect();
        match (kept.is_empty(), refused) {
            (false, _) => Ok(kept),
            (true, Some(ip)) => Err(Refusal::NotPublic {
                host: host.to_owned(),
                ip,
            }),
            (true, None) => Err(unresolvable()),
        }
    }
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let resolver = GuardedResolver {
            policy: self.policy.clone(),
        };
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let kept = resolver.permitted(&host).await?;
            let addrs: reqwest::dns::Addrs =
                Box::new(kept.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::dns::Resolve;

    /// A resolver that answers what the test says, whatever the name.
    fn answering(addresses: &'static [&'static str]) -> Lookup {
        Arc::new(move |_| {
            Box::pin(async move { Ok(addresses.iter().map(|a| a.parse().unwrap()).collect()) })
        })
    }

    fn policy(allow_private: bool, addresses: &'static [&'static str]) -> CallbackPolicy {
        let allowed = AllowedHosts::parse_as(
            &[
                "*.logic.azure.com",
                "hooks.example.com:8443",
                "127.0.0.1:9000",
            ],
            "Webhook host",
            "webhook_allowed_hosts",
        )
        .unwrap();
        CallbackPolicy::with_lookup(allowed, allow_private, answering(addresses))
    }

    fn url(text: &str) -> CallbackUrl {
        CallbackUrl::parse(text).unwrap()
    }

    #[tokio::test]
    async fn only_allowed_hosts_that_resolve_to_public_addresses_pass_registration() {
        let public = policy(false, &["20.42.65.92"]);
        let flow = url("https://prod-03.westus.logic.azure.com:443/workflows/1/run?sig=s");
        assert_eq!(public.check_resolved(&flow).await, Ok(()));
        let elsewhere = url("https://evil.example.net/hook");
        assert_eq!(
            public.check_resolved(&elsewhere).await,
            Err(Refusal::NotAllowed("https://evil.example.net".into()))
        );
        let wrong_port = url("https://hooks.example.com/hook");
        assert!(matches!(
            public.check_resolved(&wrong_port).await,
            Err(Refusal::NotAllowed(_))
        ));
        let private = policy(false, &["20.42.65.92", "10.0.0.7"]);
        assert!(
            matches!(
                private.check_resolved(&flow).await,
                Err(Refusal::NotPublic { ip, .. }) if ip.to_string() == "10.0.0.7"
            ),
            "one private address among public ones is refused"
        );
        let literal = url("https://127.0.0.1:9000/hook");
        assert!(matches!(
            public.check(&literal),
            Err(Refusal::NotPublic { .. })
        ));
        assert_eq!(policy(true, &[]).check(&literal), Ok(()), "when allowed");
        let nothing = policy(false, &[]);
        assert!(matches!(
            nothing.check_resolved(&flow).await,
            Err(Refusal::Unresolvable(_))
        ));
    }

    #[tokio::test]
    async fn at_connect_time_the_resolver_keeps_only_public_addresses() {
        let resolver = policy(false, &["127.0.0.1", "20.42.65.92", "169.254.169.254"]).resolver();
        let addrs: Vec<SocketAddr> = resolver
            .resolve("prod-03.westus.logic.azure.com".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert_eq!(addrs, vec!["20.42.65.92:0".parse().unwrap()]);
        // The name resolved to a public address when it was registered; now
        // it resolves to loopback only.
        let rebound = policy(false, &["127.0.0.1"]).resolver();
        let refused = rebound
            .resolve("prod-03.westus.logic.azure.com".parse().unwrap())
            .await
            .err()
            .expect("no address to connect to");
        assert!(
            refused.to_string().contains("127.0.0.1")
                && refused.to_string().contains("not a public"),
            "{refused}"
        );
        let allowed = policy(true, &["127.0.0.1"]).resolver();
        assert_eq!(
            allowed.permitted("localhost").await,
            Ok(vec!["127.0.0.1".parse().unwrap()])
        );
    }
}
