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

/// In the OpenAPI document, the schema `Guid`: what [`EntraId::from_guid`]
/// accepts.
impl utoipa::PartialSchema for EntraId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .pattern(Some(GUID_PATTERN))
            .min_length(Some(36))
            .max_length(Some(36))
            .description(Some(
                "A GUID in its hyphenated form, such as 87d349ed-44d7-43e1-9a83-5f2406dee5bd; never the nil GUID.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for EntraId {
    fn name() -> std::borrow::Cow<'static, str> {
        "Guid".into()
    }
}

impl std::fmt::Display for EntraId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.hyphenated())
    }
}

/// The pattern of what [`EntraId::from_guid`] accepts, for the OpenAPI
/// document: a hyphenated GUID, but not the nil GUID.
pub const GUID_PATTERN: &str = "^(?!0{8}-0{4}-0{4}-0{4}-0{12}$)[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

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
    fn the_documented_schema_accepts_exactly_what_parsing_accepts() {
        let schema = serde_json::to_value(<EntraId as utoipa::PartialSchema>::schema()).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        for text in [
            "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
            "87D349ED-44D7-43E1-9A83-5F2406DEE5BD",
            "00000000-0000-0000-0000-000000000001",
            "00000000-0000-0000-0000-000000000000",
            "87d349ed44d743e19a835f2406dee5bd",
            "{87d349ed-44d7-43e1-9a83-5f2406dee5bd}",
            "87d349ed-44d7-43e1-9a83-5f2406dee5bd ",
            "",
        ] {
            assert_eq!(
                validator.is_valid(&serde_json::json!(text)),
                EntraId::from_guid(text).is_some(),
                "{text:?}"
            );
        }
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
