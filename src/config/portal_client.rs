//! The `portal_*` keys of a `[[trusted_issuers]]` table: the portal's
//! public client at a management issuer, for "Sign in with …".

use super::issuers::TrustedIssuerEntry;
use crate::domain::{Exchange, PortalClient, web_url};

impl TrustedIssuerEntry {
    /// The portal's client, if `portal_client_id` is set; the other
    /// `portal_*` keys only with it, and only for a `management` issuer.
    pub(super) fn portal_client(
        &self,
        exchanges: &[Exchange],
    ) -> Result<Option<PortalClient>, String> {
        let Some(client_id) = &self.portal_client_id else {
            let stray = [
                ("portal_scope", self.portal_scope.is_some()),
                ("portal_resource", self.portal_resource.is_some()),
                ("portal_authority", self.portal_authority.is_some()),
                ("portal_name", self.portal_name.is_some()),
            ];
            return match stray.iter().find(|(_, set)| *set) {
                Some((key, _)) => Err(format!(
                    "{key} needs portal_client_id, the portal's client id at this issuer."
                )),
                None => Ok(None),
            };
        };
        if client_id.trim().is_empty() {
            return Err("portal_client_id must not be empty.".into());
        }
        if !exchanges.contains(&Exchange::Management) {
            return Err(
                "portal_client_id needs \"management\" in exchanges: the portal \
                 signs people in to call the signed operations."
                    .into(),
            );
        }
        let authority = self
            .portal_authority
            .as_deref()
            .or(self.issuer.as_deref())
            .unwrap_or_default();
        let authority = web_url(authority).map_err(|e| format!("portal_authority {e}"))?;
        let scope = self.portal_scope.clone().unwrap_or_else(|| "openid".into());
        if !scope.split(' ').any(|s| s == "openid") {
            return Err(format!(
                "portal_scope '{}' must include openid (the page checks the ID token's nonce).",
                crate::domain::quote(&scope)
            ));
        }
        let resource = self.portal_resource.clone();
        if resource.as_deref().is_some_and(|r| r.trim().is_empty()) {
            return Err("portal_resource must not be empty.".into());
        }
        let name = self
            .portal_name
            .clone()
            .unwrap_or_else(|| authority.host_str().unwrap_or_default().to_owned());
        if name.trim().is_empty() || name.chars().count() > 60 {
            return Err("portal_name must be 1 to 60 characters.".into());
        }
        Ok(Some(PortalClient {
            name,
            authority,
            client_id: client_id.clone(),
            scope,
            resource,
        }))
    }
}
