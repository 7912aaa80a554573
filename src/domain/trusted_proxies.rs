//! The reverse proxies whose `X-Forwarded-For` says who the client is.
//! Behind a proxy every request comes from the proxy's address; only a
//! proxy listed here is believed about the address it forwards for, so a
//! client cannot pick its own address by sending the header itself.

use super::Invalid;
use ipnet::IpNet;
use std::net::IpAddr;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Addresses (`10.0.0.5`, `::1`) and ranges in CIDR notation
    /// (`10.0.0.0/8`, `fd00::/8`).
    pub fn parse(entries: &[String]) -> Result<Self, Invalid> {
        entries
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| {
                        Invalid::untargeted(format!(
                            "'{}' is not an IP address or a CIDR range such as 10.0.0.0/8.",
                            super::quote(entry)
                        ))
                    })
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn trusts(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client's address: `peer` (who opened the connection), or, when
    /// `peer` is a trusted proxy, the address that proxy forwarded for: the
    /// rightmost `X-Forwarded-For` entry that is not a trusted proxy itself
    /// (each proxy appends the address it received the request from;
    /// entries to the left of the first untrusted one may be anything the
    /// client sent). `forwarded_for` are the header's values in order.
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        for value in forwarded_for.iter().rev() {
            for entry in value.rsplit(',') {
                match parse_forwarded(entry) {
                    Some(hop) if self.trusts(hop) => client = hop,
                    Some(hop) => return hop,
                    // Not an address: the proxy that wrote the entry to its
                    // right is the last one that can be believed.
                    None => return client,
                }
            }
        }
        client
    }
}

/// An `X-Forwarded-For` entry: an address, possibly with a port
/// (`1.2.3.4:5678`, `[::1]:80`), as some proxies write it.
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(address) = entry.parse::<IpAddr>() {
        return Some(address.to_canonical());
    }
    entry
        .parse::<std::net::SocketAddr>()
        .ok()
        .map(|s| s.ip().to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(entries: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&entries.iter().map(|e| e.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn addresses_and_ranges_are_read_and_anything_else_is_refused() {
        let p = proxies(&["10.0.0.0/8", "192.168.1.7", "fd00::/8", " ::1 "]);
        for trusted in [
            "10.1.2.3",
            "192.168.1.7",
            "fd12::1",
            "::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(p.trusts(ip(trusted)), "{trusted}");
        }
        for not in ["11.0.0.1", "192.168.1.8", "fe80::1"] {
            assert!(!p.trusts(ip(not)), "{not}");
        }
        for bad in ["10.0.0.0/33", "proxy.internal", "", "10.0.0.1:80"] {
            let e = TrustedProxies::parse(&[bad.to_owned()]).unwrap_err();
            assert!(e.message.contains("not an IP address"), "{bad}: {e}");
        }
    }

    #[test]
    fn an_untrusted_peers_forwarded_for_is_ignored() {
        let p = proxies(&["10.0.0.0/8"]);
        let client = p.client(ip("203.0.113.9"), &["198.51.100.1"]);
        assert_eq!(client, ip("203.0.113.9"));
        let nobody = TrustedProxies::default();
        assert_eq!(
            nobody.client(ip("127.0.0.1"), &["198.51.100.1"]),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_entry_is_the_client() {
        let p = proxies(&["10.0.0.0/8"]);
        // The client sent a forged first entry; the outer proxy (10.0.0.2)
        // appended the address it saw, the inner one (10.0.0.1) its peer.
        let forwarded = ["6.6.6.6, 198.51.100.1", "10.0.0.2"];
        assert_eq!(p.client(ip("10.0.0.1"), &forwarded), ip("198.51.100.1"));
        assert_eq!(
            p.client(ip("10.0.0.1"), &["198.51.100.1:5678"]),
            ip("198.51.100.1")
        );
        assert_eq!(
            p.client(ip("10.0.0.1"), &["[2001:db8::1]:443"]),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn without_a_usable_entry_the_last_trusted_hop_is_the_client() {
        let p = proxies(&["10.0.0.0/8"]);
        assert_eq!(p.client(ip("10.0.0.1"), &[]), ip("10.0.0.1"));
        assert_eq!(
            p.client(ip("10.0.0.1"), &["unknown, 10.0.0.3"]),
            ip("10.0.0.3")
        );
    }
}
