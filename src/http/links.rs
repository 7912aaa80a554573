//! Absolute links back to this service: a trigger's next poll (`Location`)
//! and, for requests that came through Power Platform's gateway, the list's
//! `nextLink`. A link for the gateway must go through the gateway again: a
//! poll sent straight to commid would lose the connection's
//! `Connection-String` header (and its `dynamichosturl` routing). The gateway
//! names its own URL for the connection in `X-MS-APIM-Referrer-Prefix`.

use crate::domain::Resource;
use actix_web::HttpRequest;

/// The header Power Platform's gateway (API Hub) adds to the requests it
/// sends a connector's backend: its URL for this connection, to which an
/// operation's path is appended.
pub const GATEWAY_PREFIX: &str = "x-ms-apim-referrer-prefix";

/// Where links start, without a final `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The gateway's URL for the connection, from [`GATEWAY_PREFIX`].
    Gateway(String),
    /// This server, as the request reached it: `scheme://host[:port]`.
    Direct(String),
}

impl Origin {
    /// The gateway's prefix when the header holds an https URL without
    /// query or fragment (anything else is ignored: a forged header changes
    /// only the forger's own links); otherwise the request's own scheme and
    /// host. The scheme is the resource endpoint's when the request came to
    /// that endpoint's host (a proxy in front may end TLS and call commid in
    /// plain HTTP), else the one the request arrived with (`Forwarded` and
    /// `X-Forwarded-Proto` count).
    pub fn of(req: &HttpRequest, resource: &Resource) -> Origin {
        if let Some(prefix) = gateway_prefix(req) {
            return Origin::Gateway(prefix);
        }
        let info = req.connection_info();
        let host = info.host().to_ascii_lowercase();
        let scheme = if resource.endpoint.authority() == host {
            resource.endpoint.scheme()
        } else {
            info.scheme()
        };
        // A host that makes no URL (a forged Host header) gets the
        // resource's own endpoint instead of a broken link.
        match url::Url::parse(&format!("{scheme}://{host}/")) {
            Ok(url) if url.host_str().is_some() && url.path() == "/" && url.query().is_none() => {
                Origin::Direct(url.as_str().trim_end_matches('/').to_owned())
            }
            _ => Origin::Direct(resource.endpoint.as_str().trim_end_matches('/').to_owned()),
        }
    }

    /// `path_and_query` (starting with `/`) on this origin.
    pub fn link(&self, path_and_query: &str) -> String {
        let (Origin::Gateway(base) | Origin::Direct(base)) = self;
        format!("{base}{path_and_query}")
    }
}

fn gateway_prefix(req: &HttpRequest) -> Option<String> {
    let text = req.headers().get(GATEWAY_PREFIX)?.to_str().ok()?.trim();
    let url = url::Url::parse(text).ok()?;
    let acceptable = url.scheme() == "https"
        && url.host_str().is_some_and(|h| !h.is_empty())
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    acceptable.then(|| url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{DataLocation, Endpoint, ResourceName};
    use actix_web::test::TestRequest;

    fn resource(endpoint: &str) -> Resource {
        Resource::new(
            ResourceName::parse("default").unwrap(),
            DataLocation::parse(DataLocation::DEFAULT).unwrap(),
            Endpoint::parse(endpoint).unwrap(),
        )
    }

    #[test]
    fn an_https_gateway_prefix_is_the_origin_without_its_final_slash() {
        let req = TestRequest::default()
            .insert_header((
                GATEWAY_PREFIX,
                "https://x.azure-apihub.net/apim/commid/shared-commid-1/",
            ))
            .to_http_request();
        let origin = Origin::of(&req, &resource("https://identity.example.com/"));
        assert_eq!(
            origin.link("/triggers/identityCreated?since=a"),
            "https://x.azure-apihub.net/apim/commid/shared-commid-1/triggers/identityCreated?since=a"
        );
        assert!(matches!(origin, Origin::Gateway(_)));
    }

    #[test]
    fn a_prefix_that_is_not_a_plain_https_url_is_ignored() {
        for prefix in [
            "http://x.azure-apihub.net/apim/commid/c",
            "https://x.azure-apihub.net/apim?c=1",
            "https://user:pw@x.azure-apihub.net/apim",
            "/apim/commid/c",
            "not a url",
        ] {
            let req = TestRequest::default()
                .insert_header(("host", "identity.example.com"))
                .insert_header((GATEWAY_PREFIX, prefix))
                .to_http_request();
            let origin = Origin::of(&req, &resource("https://identity.example.com/"));
            assert_eq!(
                origin,
                Origin::Direct("https://identity.example.com".into()),
                "{prefix}"
            );
        }
    }

    #[test]
    fn without_a_prefix_the_request_host_with_the_endpoints_scheme_when_it_is_the_endpoints_host() {
        let req = TestRequest::default()
            .insert_header(("host", "identity.example.com"))
            .to_http_request();
        assert_eq!(
            Origin::of(&req, &resource("https://identity.example.com/")).link("/x"),
            "https://identity.example.com/x",
            "behind a proxy that ends TLS"
        );
        let req = TestRequest::default()
            .insert_header(("host", "127.0.0.1:8080"))
            .to_http_request();
        assert_eq!(
            Origin::of(&req, &resource("https://identity.example.com/")).link("/x"),
            "http://127.0.0.1:8080/x",
            "another host: the scheme the request came with"
        );
        let req = TestRequest::default()
            .insert_header(("host", "bad host"))
            .to_http_request();
        assert_eq!(
            Origin::of(&req, &resource("https://identity.example.com/")).link("/x"),
            "https://identity.example.com/x",
            "a host that makes no URL: the resource's endpoint"
        );
        let req = TestRequest::default()
            .insert_header(("host", "example.org/path?q"))
            .to_http_request();
        assert_eq!(
            Origin::of(&req, &resource("https://identity.example.com/")).link("/x"),
            "https://identity.example.com/x",
            "a host with a path: the resource's endpoint"
        );
    }
}
