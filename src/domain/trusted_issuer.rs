use super::{Invalid, ResourceName};
use std::path::PathBuf;
use std::time::Duration;

/// An OpenID Connect issuer (a Microsoft Entra tenant, typically) whose
/// access tokens a resource exchanges for communication tokens, in the
/// exchanges it is trusted for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedIssuer {
    /// The resource whose exchanges trust this issuer.
    pub resource: ResourceName,
    /// The exact `iss` claim, e.g. `https://login.microsoftonline.com/<tenant>/v2.0`.
    pub issuer: String,
    pub jwks: JwksSource,
    /// The `aud` claim the tokens must carry (the Teams-user exchange).
    pub audience: String,
    /// The exchanges that accept its tokens.
    pub exchanges: Vec<Exchange>,
    /// The `aud` of tokens for the Teams-extension exchange.
    pub teams_extension_audience: String,
    /// The `aud` of tokens for the Entra-user exchange.
    pub entra_user_audience: String,
    /// The `aud`s a token for the Identity API's signed operations may
    /// carry (`Exchange::Management`).
    pub management_audiences: Vec<String>,
    /// The applications (`appid` or `azp`) whose tokens may be exchanged
    /// (not checked for management, whose principals hold roles instead).
    pub client_ids: Vec<String>,
    /// How often the keys are fetched again, whether or not one is missing.
    pub refresh_every: Duration,
    /// The least time between two fetches caused by tokens with an unknown `kid`.
    pub cooldown: Duration,
    /// The portal's "Sign in with …" button for this issuer, if it offers one.
    pub portal: Option<PortalClient>,
}

/// How the portal signs people in with a management issuer: OAuth 2.0
/// authorization code with PKCE, as a public client (no secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalClient {
    /// The button's text: "Sign in with {name}".
    pub name: String,
    /// Where the page reads `.well-known/openid-configuration`.
    pub authority: url::Url,
    pub client_id: String,
    /// The `scope` the page asks for, space-separated.
    pub scope: String,
    /// The RFC 8707 `resource` the page asks for, if the issuer needs one.
    pub resource: Option<String>,
}

impl TrustedIssuer {
    /// Microsoft's application for Communication Services, whose Teams
    /// permissions (`Teams.ManageCalls`, `Teams.ManageChats`) the tokens carry.
    pub const DEFAULT_AUDIENCE: &'static str = "https://auth.msft.communication.azure.com";
    /// The "Azure Communication Services Clients" application, whose
    /// `Chat`, `VoIP`, … permissions Entra users' tokens carry.
    pub const DEFAULT_ENTRA_USER_AUDIENCE: &'static str = "https://communication.azure.com/clients";
    /// What `DefaultAzureCredential` is asked for by the SDKs, scope
    /// `https://communication.azure.com//.default`: Entra v1.0 tokens carry
    /// the resource URI as `aud` (with or without the final `/`), v2.0
    /// tokens the id of Azure Communication Services' application.
    pub const DEFAULT_MANAGEMENT_AUDIENCES: [&'static str; 3] = [
        "https://communication.azure.com",
        "https://communication.azure.com/",
        "632ec9eb-fad7-4cbd-993a-e72973ba2acc",
    ];
    pub const DEFAULT_REFRESH: Duration = Duration::from_secs(3600);
    pub const DEFAULT_COOLDOWN: Duration = Duration::from_secs(30);
    /// Clock skew allowed on `nbf` (RFC 8725 asks for a small one).
    pub const LEEWAY_SECONDS: i64 = 300;

    /// Whether `app_id` is one of [`Self::client_ids`].
    pub fn allows_client(&self, app_id: &str) -> bool {
        self.client_ids.iter().any(|c| same_id(c, app_id))
    }

    /// Whether `exchange` accepts this issuer's tokens.
    pub fn trusted_for(&self, exchange: Exchange) -> bool {
        self.exchanges.contains(&exchange)
    }

    /// The `aud`s tokens for `exchange` may carry (one, but for management).
    pub fn audiences_for(&self, exchange: Exchange) -> &[String] {
        match exchange {
            Exchange::TeamsUser => std::slice::from_ref(&self.audience),
            Exchange::TeamsExtension => std::slice::from_ref(&self.teams_extension_audience),
            Exchange::EntraUser => std::slice::from_ref(&self.entra_user_audience),
            Exchange::Management => &self.management_audiences,
        }
    }
}

/// The token exchanges a trusted issuer may be trusted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exchange {
    /// `POST /teamsUser/:exchangeAccessToken`.
    TeamsUser,
    /// `POST /access/teamsExtension/:exchangeAccessToken`.
    TeamsExtension,
    /// `POST /access/entra/:exchangeAccessToken`.
    EntraUser,
    /// Not an exchange: `Authorization: Bearer` on the Identity API's
    /// signed operations, for principals holding a role on the resource.
    Management,
}

impl Exchange {
    pub const ALL: [Exchange; 4] = [
        Exchange::TeamsUser,
        Exchange::TeamsExtension,
        Exchange::EntraUser,
        Exchange::Management,
    ];

    /// As the configuration file names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Exchange::TeamsUser => "teams_user",
            Exchange::TeamsExtension => "teams_extension",
            Exchange::EntraUser => "entra_user",
            Exchange::Management => "management",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == text)
    }
}

/// Entra ids are GUIDs, which compare whatever their case; other ids exactly.
pub fn same_id(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (uuid::Uuid::try_parse(a), uuid::Uuid::try_parse(b)) {
        (Ok(a), Ok(b)) => a == b && !a.is_nil(),
        _ => false,
    }
}

/// Where an issuer publishes its signing keys (a JSON Web Key Set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    Url(url::Url),
    File(PathBuf),
}

impl JwksSource {
    /// An `https` URL; plain `http` only to a loopback host (`localhost`,
    /// `127.0.0.0/8`, `::1`), for tests and an identity provider on the same
    /// machine.
    pub fn url(text: &str) -> Result<Self, Invalid> {
        web_url(text).map(JwksSource::Url)
    }
}

/// The rule of [`JwksSource::url`], which issuer identifiers follow too.
pub fn web_url(text: &str) -> Result<url::Url, Invalid> {
    let bad = |why: &str| {
        Invalid::untargeted(format!(
            "'{}' is not a usable URL: {why}.",
            super::quote(text)
        ))
    };
    let url = url::Url::parse(text).map_err(|e| bad(&e.to_string()))?;
    let host = url.host().ok_or_else(|| bad("it has no host"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it must not carry credentials"));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&host) => Ok(url),
        "http" => Err(bad(
            "use https (plain http is allowed only for a loopback host: localhost, 127.0.0.1, ::1)",
        )),
        _ => Err(bad("the scheme must be https")),
    }
}

fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_urls_are_accepted_and_http_only_on_loopback() {
        for ok in [
            "https://login.microsoftonline.com/common/discovery/v2.0/keys",
            "http://127.0.0.1:8080/keys",
            "http://localhost/keys",
            "http://[::1]:9/keys",
        ] {
            assert!(JwksSource::url(ok).is_ok(), "{ok}");
        }
        for (bad, says) in [
            ("http://example.com/keys", "only for a loopback host"),
            ("http://10.0.0.1/keys", "only for a loopback host"),
            ("ftp://example.com/keys", "scheme must be https"),
            ("not a url", "not a usable URL"),
            ("https://user:pw@example.com/keys", "credentials"),
        ] {
            let err = JwksSource::url(bad).unwrap_err();
            assert!(err.message.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn guids_compare_whatever_their_case_and_other_ids_exactly() {
        assert!(same_id(
            "2C3E1E83-8FD7-4615-AD2B-B8C1229845AC",
            "2c3e1e83-8fd7-4615-ad2b-b8c1229845ac"
        ));
        assert!(same_id("my-app", "my-app"));
        assert!(!same_id("My-App", "my-app"));
        assert!(!same_id("", "2c3e1e83-8fd7-4615-ad2b-b8c1229845ac"));
    }
}
