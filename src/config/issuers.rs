//! `[[trusted_issuers]]` in the configuration file: the OpenID Connect
//! issuers whose Teams user tokens a resource exchanges. File only: a list
//! of tables has no sensible environment variable or flag.

use super::ConfigError;
use crate::domain::{JwksSource, ResourceName, TrustedIssuer, web_url};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One `[[trusted_issuers]]` table as written.
#[derive(Debug, Default, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TrustedIssuerEntry {
    /// The resource's name; `default` when left out.
    pub resource: Option<String>,
    pub issuer: Option<String>,
    pub jwks_url: Option<String>,
    pub jwks_file: Option<PathBuf>,
    pub audience: Option<String>,
    pub client_ids: Option<Vec<String>>,
    pub jwks_refresh_seconds: Option<u64>,
    pub jwks_cooldown_seconds: Option<u64>,
}

impl TrustedIssuerEntry {
    /// A relative `jwks_file` is read from the config file's directory.
    pub(super) fn relative_to(mut self, dir: &Path) -> Self {
        if let Some(file) = &self.jwks_file
            && file.is_relative()
        {
            self.jwks_file = Some(dir.join(file));
        }
        self
    }

    fn resolve(&self, number: usize) -> Result<TrustedIssuer, ConfigError> {
        let issuer = self.issuer.as_deref().unwrap_or_default();
        let fail = |what: String| {
            let named = if issuer.is_empty() {
                String::new()
            } else {
                format!(" (issuer '{}')", crate::domain::quote(issuer))
            };
            ConfigError::Invalid(format!(
                "[[trusted_issuers]] number {number}{named}: {what}"
            ))
        };
        if issuer.is_empty() {
            return Err(fail(
                "set issuer to the tokens' exact iss claim, for example \
                 \"https://login.microsoftonline.com/<tenant id>/v2.0\"."
                    .into(),
            ));
        }
        web_url(issuer).map_err(|e| fail(format!("issuer {e}")))?;
        let resource = ResourceName::parse(self.resource.as_deref().unwrap_or("default"))
            .map_err(|e| fail(format!("resource: {e}")))?;
        let jwks = match (&self.jwks_url, &self.jwks_file) {
            (Some(url), None) => JwksSource::url(url).map_err(|e| fail(format!("jwks_url {e}")))?,
            (None, Some(file)) => JwksSource::File(file.clone()),
            _ => {
                return Err(fail(
                    "set exactly one of jwks_url (the issuer's published keys, for Entra \
                     \"https://login.microsoftonline.com/<tenant id>/discovery/v2.0/keys\") \
                     and jwks_file (a JSON Web Key Set on disk)."
                        .into(),
                ));
            }
        };
        let audience = self
            .audience
            .clone()
            .unwrap_or_else(|| TrustedIssuer::DEFAULT_AUDIENCE.to_owned());
        if audience.trim().is_empty() {
            return Err(fail("audience must not be empty.".into()));
        }
        let client_ids = self.client_ids.clone().unwrap_or_default();
        if client_ids.is_empty() || client_ids.iter().any(|c| c.trim().is_empty()) {
            return Err(fail(
                "client_ids must list the application (client) ids allowed to exchange \
                 their users' tokens, for example [\"2c3e1e83-8fd7-4615-ad2b-b8c1229845ac\"]."
                    .into(),
            ));
        }
        let refresh = self
            .jwks_refresh_seconds
            .unwrap_or(TrustedIssuer::DEFAULT_REFRESH.as_secs());
        if !(1..=86_400).contains(&refresh) {
            return Err(fail(format!(
                "jwks_refresh_seconds {refresh} is out of range: use 1 to 86400."
            )));
        }
        let cooldown = self
            .jwks_cooldown_seconds
            .unwrap_or(TrustedIssuer::DEFAULT_COOLDOWN.as_secs());
        if cooldown > 3600 {
            return Err(fail(format!(
                "jwks_cooldown_seconds {cooldown} is out of range: use 0 to 3600."
            )));
        }
        Ok(TrustedIssuer {
            resource,
            issuer: issuer.to_owned(),
            jwks,
            audience,
            client_ids,
            refresh_every: Duration::from_secs(refresh),
            cooldown: Duration::from_secs(cooldown),
        })
    }
}

/// Every entry, checked; one issuer appears at most once per resource.
pub fn resolve(entries: &[TrustedIssuerEntry]) -> Result<Vec<TrustedIssuer>, ConfigError> {
    let mut issuers: Vec<TrustedIssuer> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let issuer = entry.resolve(i + 1)?;
        if issuers
            .iter()
            .any(|o| o.resource == issuer.resource && o.issuer == issuer.issuer)
        {
            return Err(ConfigError::Invalid(format!(
                "[[trusted_issuers]] number {}: issuer '{}' is already trusted for resource '{}': \
                 list its client ids in one table.",
                i + 1,
                crate::domain::quote(&issuer.issuer),
                issuer.resource.as_str()
            )));
        }
        issuers.push(issuer);
    }
    Ok(issuers)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
        issuer = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"
        jwks_url = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/discovery/v2.0/keys"
        client_ids = ["2c3e1e83-8fd7-4615-ad2b-b8c1229845ac"]
    "#;

    fn entry(toml_text: &str) -> TrustedIssuerEntry {
        toml::from_str(toml_text).unwrap()
    }

    fn error_of(toml_text: &str) -> String {
        resolve(&[entry(toml_text)]).unwrap_err().to_string()
    }

    #[test]
    fn an_entra_tenant_needs_only_issuer_keys_and_client_ids() {
        let issuer = resolve(&[entry(GOOD)]).unwrap().remove(0);
        assert_eq!(issuer.resource.as_str(), "default");
        assert_eq!(issuer.audience, "https://auth.msft.communication.azure.com");
        assert_eq!(issuer.refresh_every, Duration::from_secs(3600));
        assert_eq!(issuer.cooldown, Duration::from_secs(30));
        assert!(matches!(issuer.jwks, JwksSource::Url(_)));
    }

    #[test]
    fn each_mistake_is_named_with_the_entry_it_is_in() {
        for (toml_text, says) in [
            (
                "jwks_file = \"k.json\"\nclient_ids = [\"a\"]",
                "number 1: set issuer to the tokens' exact iss claim",
            ),
            (
                "issuer = \"https://i/\"\nclient_ids = [\"a\"]",
                "(issuer 'https://i/'): set exactly one of jwks_url",
            ),
            (
                "issuer = \"https://i/\"\njwks_url = \"https://i/k\"\njwks_file = \"k\"\nclient_ids = [\"a\"]",
                "set exactly one of jwks_url",
            ),
            (
                "issuer = \"https://i/\"\njwks_url = \"http://idp.example.com/keys\"\nclient_ids = [\"a\"]",
                "jwks_url 'http://idp.example.com/keys' is not a usable URL: use https (plain http is allowed only for a loopback host",
            ),
            (
                "issuer = \"https://i/\"\njwks_url = \"keys.json\"\nclient_ids = [\"a\"]",
                "jwks_url 'keys.json' is not a usable URL",
            ),
            (
                "issuer = \"https://i/\"\njwks_file = \"k\"",
                "client_ids must list the application (client) ids",
            ),
            (
                "issuer = \"https://i/\"\njwks_file = \"k\"\nclient_ids = []",
                "client_ids must list",
            ),
            (
                "issuer = \"https://i/\"\njwks_file = \"k\"\nclient_ids = [\"a\"]\nresource = \"Bad Name!\"",
                "resource: ",
            ),
            (
                "issuer = \"https://i/\"\njwks_file = \"k\"\nclient_ids = [\"a\"]\naudience = \"\"",
                "audience must not be empty",
            ),
            (
                "issuer = \"https://i/\"\njwks_file = \"k\"\nclient_ids = [\"a\"]\njwks_refresh_seconds = 0",
                "jwks_refresh_seconds 0 is out of range: use 1 to 86400.",
            ),
            (
                "issuer = \"https://i/\"\njwks_file = \"k\"\nclient_ids = [\"a\"]\njwks_cooldown_seconds = 7200",
                "jwks_cooldown_seconds 7200 is out of range",
            ),
        ] {
            let err = error_of(toml_text);
            assert!(err.contains(says), "{toml_text}\n{err}");
        }
    }

    #[test]
    fn the_same_issuer_twice_for_one_resource_is_refused() {
        let err = resolve(&[entry(GOOD), entry(GOOD)])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("number 2") && err.contains("already trusted"),
            "{err}"
        );
        let other = entry(&format!("{GOOD}\nresource = \"other\""));
        assert_eq!(resolve(&[entry(GOOD), other]).unwrap().len(), 2);
    }

    #[test]
    fn unknown_keys_in_an_entry_are_refused() {
        let err = toml::from_str::<TrustedIssuerEntry>("isuer = \"x\"").unwrap_err();
        assert!(err.to_string().contains("isuer"), "{err}");
    }
}
