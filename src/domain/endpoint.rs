//! A resource's endpoint, as written in connection strings.

use super::Invalid;

/// A resource's endpoint: an http(s) URL with a host, at the root, with no
/// query, credentials or fragment (the SDKs refuse an endpoint with a path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint(url::Url);

impl Endpoint {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let bad = |why: &str| {
            Invalid::new(
                format!("Endpoint '{}' is invalid: {why}.", super::quote(text)),
                "endpoint",
            )
        };
        let url = url::Url::parse(text).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(bad("the scheme must be https or http"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("it has no host"));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(bad(
                "it must be the root URL, without a path, query or fragment",
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("it must not carry credentials"));
        }
        Ok(Endpoint(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// `host[:port]` as a client puts it in the `Host` header (the port only
    /// when it is not the scheme's default), lowercase.
    pub fn authority(&self) -> String {
        let host = self.0.host_str().unwrap_or_default().to_ascii_lowercase();
        match self.0.port() {
            Some(port) => format!("{host}:{port}"),
            None => host,
        }
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &str {
        self.0.scheme()
    }

    /// The host as the URL parser read it: a lowercase (punycode) domain,
    /// or an IPv4 or IPv6 address in canonical form.
    pub fn host(&self) -> url::Host<&str> {
        self.0.host().expect("an endpoint has a host")
    }

    /// The port: the one written, else the scheme's default.
    pub fn port(&self) -> u16 {
        self.0.port_or_known_default().unwrap_or(443)
    }

    /// The endpoint of a resource named `label` served beside this one:
    /// same scheme and port, host `label.<this host>`, or `label.localhost`
    /// when this host is an IP address or `localhost` (the self-signed
    /// server certificate names every resource's host from the next start).
    pub fn beside(&self, label: &str) -> Endpoint {
        let host = match self.host() {
            url::Host::Domain(d) if d != "localhost" => format!("{label}.{d}"),
            _ => format!("{label}.localhost"),
        };
        let mut url = self.0.clone();
        url.set_host(Some(&host))
            .expect("a resource name is a valid DNS label");
        Endpoint(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_resource_is_served_beside_the_first_on_a_subdomain() {
        let beside = |base: &str| {
            Endpoint::parse(base)
                .unwrap()
                .beside("b")
                .as_str()
                .to_owned()
        };
        assert_eq!(
            beside("https://127.0.0.1:8443/"),
            "https://b.localhost:8443/"
        );
        assert_eq!(
            beside("https://localhost:9000/"),
            "https://b.localhost:9000/"
        );
        assert_eq!(beside("http://[::1]:8080/"), "http://b.localhost:8080/");
        assert_eq!(
            beside("https://ids.example.com/"),
            "https://b.ids.example.com/"
        );
    }

    #[test]
    fn endpoints_must_be_root_http_urls() {
        assert_eq!(
            Endpoint::parse("https://Example.com/").unwrap().authority(),
            "example.com"
        );
        assert_eq!(
            Endpoint::parse("https://127.0.0.1:8443")
                .unwrap()
                .authority(),
            "127.0.0.1:8443"
        );
        assert_eq!(Endpoint::parse("https://h:443/").unwrap().authority(), "h");
        for bad in [
            "ftp://h/",
            "https://h/path",
            "https://h/?q=1",
            "https://u:p@h/",
            "nothing",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }
}
