use super::Invalid;
use uuid::Uuid;

/// A Microsoft Entra id: a tenant, an object (user, group, resource account)
/// or an application (client). Always a GUID, which Entra writes in its
/// hyphenated form; ids compare whatever their case and print lowercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntraId(Uuid);

impl EntraId {
    /// The hyphenated 36-character form only, and never the nil GUID.
    pub fn from_guid(text: &str) -> Option<Self> {
        if text.len() != 36 {
            return None;
        }
        Uuid::try_parse(text)
            .ok()
            .filter(|u| !u.is_nil())
            .map(EntraId)
    }

    /// [`Self::from_guid`], or the error that names `target`.
    pub fn parse(text: &str, target: &'static str) -> Result<Self, Invalid> {
        Self::from_guid(text).ok_or_else(|| {
            Invalid::new(
                format!(
                    "'{}' is not a valid {target}: expected a GUID such as 87d349ed-44d7-43e1-9a83-5f2406dee5bd.",
                    super::quote(text)
                ),
                target,
            )
        })
    }
}

impl std::fmt::Display for EntraId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.hyphenated())
    }
}

/// The pattern of a GUID, for the OpenAPI document.
pub const GUID_PATTERN: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entra_ids_are_hyphenated_guids_compared_whatever_their_case() {
        let id = "87D349ED-44D7-43E1-9A83-5F2406DEE5BD";
        assert_eq!(
            EntraId::from_guid(id).unwrap().to_string(),
            id.to_lowercase()
        );
        assert_eq!(
            EntraId::from_guid(id),
            EntraId::from_guid(&id.to_lowercase())
        );
    }

    #[test]
    fn other_forms_and_the_nil_guid_are_refused_with_their_target() {
        for bad in [
            "",
            "x",
            "87d349ed44d743e19a835f2406dee5bd",
            "{87d349ed-44d7-43e1-9a83-5f2406dee5bd}",
            "00000000-0000-0000-0000-000000000000",
        ] {
            let err = EntraId::parse(bad, "tenantId").unwrap_err();
            assert_eq!(err.target, Some("tenantId"), "{bad}");
            assert!(err.message.contains("is not a valid tenantId"), "{err}");
        }
    }
}
