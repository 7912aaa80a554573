//! Where a `Connection-String` request goes: to a resource of this server,
//! or on to the upstream ACS endpoint the connection string names.
//!
//! In this order:
//! 1. a resource whose endpoint has exactly the connection string's
//!    `host[:port]` serves it (its key must match);
//! 2. else, an endpoint on the upstream allow-list is forwarded to: the
//!    upstream checks the key;
//! 3. else, while this server has a single resource, that resource serves
//!    it whatever the host (its key must match);
//! 4. else 401.
//!
//! So the single-resource rule never captures an allow-listed host, and a
//! host outside the list is never contacted.

use super::{AuthFailure, Authenticated};
use crate::acs::ConnectionString;
use crate::directory::Directory;
use crate::domain::{AllowedHosts, KeySlot, Resource};
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// Whom a request is for.
#[derive(Debug, Clone)]
pub enum Destination {
    /// A resource of this server, whose key the request proved.
    Local(Arc<Resource>),
    /// An upstream ACS resource, reached with this connection string.
    Upstream(ConnectionString),
}

pub(super) fn by_connection_string(
    cs: ConnectionString,
    directory: &Directory,
    upstream: &AllowedHosts,
) -> Result<Authenticated, AuthFailure> {
    let authority = cs.endpoint.authority();
    let resource = match directory.exact(&authority) {
        Some(resource) => resource,
        None if upstream.permits(&cs.endpoint) => {
            return Ok(Authenticated {
                destination: Destination::Upstream(cs),
                key: None,
            });
        }
        None => directory.only().ok_or(AuthFailure::UnknownResource)?,
    };
    // Both compared in constant time, whatever the first gives.
    let [primary, secondary] = resource
        .keys()
        .map(|k| bool::from(k.bytes().ct_eq(cs.key.bytes())));
    let slot = match (primary, secondary) {
        (true, _) => KeySlot::Primary,
        (false, true) => KeySlot::Secondary,
        (false, false) => return Err(AuthFailure::WrongKey),
    };
    Ok(Authenticated {
        destination: Destination::Local(resource),
        key: Some(slot),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AccessKey, DataLocation, Endpoint, ResourceName};

    fn resource(name: &str, endpoint: &str) -> Resource {
        Resource::new(
            ResourceName::parse(name).unwrap(),
            DataLocation::parse(DataLocation::DEFAULT).unwrap(),
            Endpoint::parse(endpoint).unwrap(),
        )
    }

    fn cs(endpoint: &str, key: &AccessKey) -> ConnectionString {
        ConnectionString::parse(&format!(
            "endpoint={endpoint};accesskey={}",
            key.text().expose()
        ))
        .unwrap()
    }

    fn route(
        directory: &Directory,
        endpoint: &str,
        key: &AccessKey,
    ) -> Result<Destination, AuthFailure> {
        by_connection_string(
            cs(endpoint, key),
            directory,
            &AllowedHosts::parse(&["*.communication.azure.com", "127.0.0.1:9000"]).unwrap(),
        )
        .map(|a| a.destination)
    }

    fn is_local(d: &Result<Destination, AuthFailure>, name: &str) -> bool {
        matches!(d, Ok(Destination::Local(r)) if r.name.as_str() == name)
    }

    fn is_upstream(d: &Result<Destination, AuthFailure>, authority: &str) -> bool {
        matches!(d, Ok(Destination::Upstream(cs)) if cs.endpoint.authority() == authority)
    }

    #[test]
    fn an_allow_listed_host_is_forwarded_even_while_one_resource_answers_any_host() {
        let only = resource("default", "https://127.0.0.1:8443/");
        let key = only.primary_key.clone();
        let d = Directory::of(vec![only]);
        let acs = "https://contoso.communication.azure.com/";
        assert!(is_upstream(
            &route(&d, acs, &key),
            "contoso.communication.azure.com"
        ));
        assert!(is_upstream(
            &route(&d, acs, &AccessKey::generate()),
            "contoso.communication.azure.com"
        ));
        assert!(is_upstream(
            &route(&d, "http://127.0.0.1:9000/", &key),
            "127.0.0.1:9000"
        ));
    }

    #[test]
    fn a_host_off_the_list_falls_to_the_single_resource_which_checks_the_key() {
        let only = resource("default", "https://127.0.0.1:8443/");
        let key = only.secondary_key.clone();
        let d = Directory::of(vec![only]);
        assert!(is_local(
            &route(&d, "https://elsewhere.example/", &key),
            "default"
        ));
        for off_list in [
            "https://elsewhere.example/",
            "http://contoso.communication.azure.com/",
            "http://127.0.0.1:9001/",
        ] {
            assert_eq!(
                route(&d, off_list, &AccessKey::generate()).unwrap_err(),
                AuthFailure::WrongKey,
                "{off_list}"
            );
        }
    }

    #[test]
    fn a_local_resources_exact_host_is_served_locally_even_when_allow_listed() {
        let acs_named = resource("acs", "https://mine.communication.azure.com/");
        let key = acs_named.primary_key.clone();
        let other = resource("other", "https://127.0.0.1:8443/");
        let d = Directory::of(vec![acs_named, other]);
        let endpoint = "https://mine.communication.azure.com/";
        assert!(is_local(&route(&d, endpoint, &key), "acs"));
        assert_eq!(
            route(&d, endpoint, &AccessKey::generate()).unwrap_err(),
            AuthFailure::WrongKey
        );
    }

    #[test]
    fn with_several_resources_an_unknown_host_off_the_list_is_refused() {
        let a = resource("a", "https://a.example/");
        let key = a.connection_string(KeySlot::Primary);
        let d = Directory::of(vec![a, resource("b", "https://b.example/")]);
        let cs = ConnectionString::parse(key.expose()).unwrap();
        assert_eq!(
            route(&d, "https://c.example/", &cs.key).unwrap_err(),
            AuthFailure::UnknownResource
        );
        assert!(is_local(&route(&d, "https://a.example/", &cs.key), "a"));
    }
}
