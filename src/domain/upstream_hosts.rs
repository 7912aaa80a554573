//! The upstream allow-list: the ACS endpoints commid forwards
//! `Connection-String` requests to. Entries and endpoints are compared after
//! URL parsing (scheme, host and port), never as text, so that `127.1`,
//! `0x7f.0.0.1` and `LOCALHOST` are the hosts they stand for.

use super::{Endpoint, Invalid};
use url::Host;

/// The default list: every Azure Communication Services resource.
pub const DEFAULT_UPSTREAM_HOSTS: [&str; 1] = ["*.communication.azure.com"];

/// The entries of `upstream_allowed_hosts`; empty turns pass-through off.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AllowedHosts(Vec<HostPattern>);

/// One entry: `host[:port]` or `*.domain[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HostPattern {
    name: Name,
    /// `None`: the scheme's default port (443 for https, 80 for http).
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Name {
    /// This very host (a domain, an IPv4 or an IPv6 address); https or http.
    Exact(Host<String>),
    /// Any domain under this one (`.communication.azure.com`, dot included),
    /// at any depth; https only, never an IP address or a loopback name.
    Under(String),
}

impl AllowedHosts {
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, Invalid> {
        Self::parse_as(entries, "Upstream host", "upstream_allowed_hosts")
    }

    /// The entries of another setting, `setting`, whose entries a message
    /// calls `label`.
    pub fn parse_as<S: AsRef<str>>(
        entries: &[S],
        label: &str,
        setting: &'static str,
    ) -> Result<Self, Invalid> {
        entries
            .iter()
            .map(|e| HostPattern::parse(e.as_ref().trim(), label, setting))
            .collect::<Result<_, _>>()
            .map(AllowedHosts)
    }

    pub fn default_list() -> Self {
        Self::parse(&DEFAULT_UPSTREAM_HOSTS).expect("the default list is valid")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether requests may be forwarded to `endpoint`.
    pub fn permits(&self, endpoint: &Endpoint) -> bool {
        self.permits_at(endpoint.scheme(), endpoint.host(), endpoint.port())
    }

    /// Whether `url`'s scheme, host and port are on the list.
    pub fn permits_url(&self, url: &url::Url) -> bool {
        match (url.host(), url.port_or_known_default()) {
            (Some(host), Some(port)) => self.permits_at(url.scheme(), host, port),
            _ => false,
        }
    }

    fn permits_at(&self, scheme: &str, host: Host<&str>, port: u16) -> bool {
        let https = match scheme {
            "https" => true,
            "http" => false,
            _ => return false,
        };
        self.0.iter().any(|pattern| {
            let default_port = if https { 443 } else { 80 };
            if pattern.port.unwrap_or(default_port) != port {
                return false;
            }
            match (&pattern.name, &host) {
                (Name::Exact(allowed), host) => *allowed == host.to_owned(),
                (Name::Under(suffix), Host::Domain(domain)) => {
                    https
                        && !is_loopback_name(domain)
                        && domain
                            .strip_suffix(suffix.as_str())
                            .is_some_and(|sub| !sub.split('.').any(str::is_empty))
                }
                (Name::Under(_), _) => false,
            }
        })
    }
}

impl std::fmt::Display for AllowedHosts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let entries: Vec<String> = self.0.iter().map(HostPattern::to_string).collect();
        f.write_str(&entries.join(","))
    }
}

impl HostPattern {
    fn parse(entry: &str, label: &str, setting: &'static str) -> Result<Self, Invalid> {
        let bad = |why: &str| {
            Invalid::new(
                format!("{label} '{}' is invalid: {why}.", super::quote(entry)),
                setting,
            )
        };
        if entry.is_empty() {
            return Err(bad("it is empty"));
        }
        if entry.contains(['/', '@', '?', '#', '\\']) || entry.chars().any(char::is_whitespace) {
            return Err(bad(
                "write a host or host:port, without a scheme, path or credentials",
            ));
        }
        let (host, port) = split_port(entry).map_err(&bad)?;
        let (wildcard, host) = match host.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, host),
        };
        if host.contains('*') {
            return Err(bad(
                "'*' is allowed only as a whole first label, as in *.communication.azure.com",
            ));
        }
        let parsed = Host::parse(host).map_err(|e| bad(&e.to_string()))?;
        let name = if wildcard {
            let Host::Domain(domain) = parsed else {
                return Err(bad("a wildcard needs a domain name, not an IP address"));
            };
            if is_loopback_name(&domain) {
                return Err(bad(
                    "loopback names must be listed one by one, without a wildcard",
                ));
            }
            if domain.split('.').filter(|l| !l.is_empty()).count() < 2 {
                return Err(bad(
                    "a wildcard needs a domain of at least two labels, as in *.communication.azure.com",
                ));
            }
            Name::Under(format!(".{domain}"))
        } else {
            Name::Exact(parsed)
        };
        Ok(HostPattern { name, port })
    }
}

impl std::fmt::Display for HostPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.name {
            Name::Exact(host) => write!(f, "{host}")?,
            Name::Under(suffix) => write!(f, "*{suffix}")?,
        }
        match self.port {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}

/// `host` and its port, if one is written (`[::1]:8443`, `h:8443`, `h`).
fn split_port(entry: &str) -> Result<(&str, Option<u16>), &'static str> {
    let port_start = match entry.rfind(':') {
        Some(i) if entry.starts_with('[') && !entry[..i].ends_with(']') => None,
        Some(i) if !entry.starts_with('[') && entry[..i].contains(':') => {
            return Err("write an IPv6 address in brackets, as in [::1]:8443");
        }
        other => other,
    };
    match port_start {
        None => Ok((entry, None)),
        Some(i) => {
            let port = entry[i + 1..]
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or("the port must be a number from 1 to 65535")?;
            Ok((&entry[..i], Some(port)))
        }
    }
}

/// `localhost` and the names under it, which resolve to loopback.
fn is_loopback_name(domain: &str) -> bool {
    domain == "localhost" || domain.ends_with(".localhost")
}

#[cfg(test)]
mod tests;
