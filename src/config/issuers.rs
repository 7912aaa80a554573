//! `[[trusted_issuers]]` in the configuration file: the OpenID Connect
//! issuers whose Entra tokens a resource exchanges, and in which exchanges.
//! File only: a list of tables has no sensible environment variable or flag.

use super::ConfigError;
use crate::domain::{Exchange, JwksSource, ResourceName, TrustedIssuer, web_url};
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
    /// `teams_user`, `teams_extension`, `entra_user`; `["teams_user"]`
    /// when left out, as before the other exchanges existed.
    pub exchanges: Option<Vec<String>>,
    /// The `aud` of Teams-extension tokens; `audience` when left out.
    pub teams_extension_audience: Option<String>,
    /// The `aud` of Entra-user tokens.
    pub entra_user_audience: Option<String>,
    /// The `aud`s of tokens for the signed operations (`management`).
    pub management_audiences: Option<Vec<String>>,
    /// The portal's public client at this issuer: with it, the portal
    /// offers "Sign in with …" (`management` issuers only).
    pub portal_client_id: Option<String>,
    /// The `scope` the portal asks for; `openid` when left out.
    pub portal_scope: Option<String>,
    /// The RFC 8707 `resource` the portal asks for, if the issuer needs one.
    pub portal_resource: Option<String>,
    /// Where the portal discovers the issuer; `issuer` when left out.
    pub portal_authority: Option<String>,
    /// The button's "Sign in with {portal_name}"; the authority's host when left out.
    pub portal_name: Option<String>,
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
        let teams_extension_audience = self
            .teams_extension_audience
            .clone()
            .unwrap_or_else(|| audience.clone());
        let entra_user_audience = self
            .entra_user_audience
            .clone()
            .unwrap_or_else(|| TrustedIssuer::DEFAULT_ENTRA_USER_AUDIENCE.to_owned());
        for (key, value) in [
            ("audience", &audience),
            ("teams_extension_audience", &teams_extension_audience),
            ("entra_user_audience", &entra_user_audience),
        ] {
            if value.trim().is_empty() {
                return Err(fail(format!("{key} must not be empty.")));
            }
        }
        let exchanges = self.exchanges().map_err(fail)?;
        let management_audiences = self.management_audiences.clone().unwrap_or_else(|| {
            TrustedIssuer::DEFAULT_MANAGEMENT_AUDIENCES
                .map(str::to_owned)
                .to_vec()
        });
        if management_audiences.is_empty()
            || management_audiences.iter().any(|a| a.trim().is_empty())
        {
            return Err(fail(
                "management_audiences must list at least one audience, none of them empty.".into(),
            ));
        }
        let client_ids = self.client_ids.clone().unwrap_or_default();
        // Management tokens' principals hold roles: no client allow-list.
        let exchanges_tokens = exchanges.iter().any(|e| *e != Exchange::Management);
        if (exchanges_tokens && client_ids.is_empty())
            || client_ids.iter().any(|c| c.trim().is_empty())
        {
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
        let portal = self.portal_client(&exchanges).map_err(fail)?;
        Ok(TrustedIssuer {
            resource,
            issuer: issuer.to_owned(),
            jwks,
            audience,
            exchanges,
            teams_extension_audience,
            entra_user_audience,
            management_audiences,
            client_ids,
            refresh_every: Duration::from_secs(refresh),
            cooldown: Duration::from_secs(cooldown),
            portal,
        })
    }
}

impl TrustedIssuerEntry {
    /// `exchanges` as written: each known, none twice, at least one.
    fn exchanges(&self) -> Result<Vec<Exchange>, String> {
        let Some(names) = &self.exchanges else {
            return Ok(vec![Exchange::TeamsUser]);
        };
        let known = Exchange::ALL
            .iter()
            .map(|e| format!("\"{}\"", e.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            match Exchange::parse(name) {
                Some(e) if !out.contains(&e) => out.push(e),
                Some(_) => return Err(format!("exchanges names \"{name}\" twice.")),
                None => {
                    return Err(format!(
                        "exchanges: \"{}\" is not an exchange; use {known}.",
                        crate::domain::quote(name)
                    ));
                }
            }
        }
        if out.is_empty() {
            return Err(format!(
                "exchanges must name at least one of {known}, or be left out."
            ));
        }
        Ok(out)
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
#[path = "issuers_tests.rs"]
mod tests;
