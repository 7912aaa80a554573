use super::Invalid;

/// The caller's own id for an identity: `customId` (ACS 2025-03-02-preview),
/// or `externalId`, commid's earlier name for it, still accepted. 1 to 256
/// characters, none of them a control character; unique per resource among
/// live identities.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomId(String);

/// Which request member carried the value: messages and error targets name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member {
    CustomId,
    ExternalId,
}

impl Member {
    pub fn json_name(self) -> &'static str {
        match self {
            Member::CustomId => "customId",
            Member::ExternalId => "externalId",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Member::CustomId => "CustomId",
            Member::ExternalId => "ExternalId",
        }
    }
}

impl utoipa::PartialSchema for CustomId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .min_length(Some(1))
            .max_length(Some(Self::MAX_CHARS))
            .pattern(Some(Self::PATTERN))
            .into()
    }
}

impl utoipa::ToSchema for CustomId {}

impl CustomId {
    pub const MAX_CHARS: usize = 256;
    /// The schema pattern of a valid value: no C0 control or DEL (the
    /// C1 controls are refused too; JSON Schema's `\p{Cc}` is not portable).
    pub const PATTERN: &'static str = r"^[^\u0000-\u001F\u007F-\u009F]+$";

    pub fn parse(value: String, member: Member) -> Result<Self, Invalid> {
        let chars = value.chars().count();
        if chars == 0 || chars > Self::MAX_CHARS {
            return Err(Invalid::new(
                format!(
                    "{} must be between 1 and {} characters long; it has {chars}.",
                    member.title(),
                    Self::MAX_CHARS
                ),
                member.json_name(),
            ));
        }
        if value.chars().any(char::is_control) {
            return Err(Invalid::new(
                format!("{} must not contain control characters.", member.title()),
                member.json_name(),
            ));
        }
        Ok(CustomId(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_from_one_to_256_characters_are_accepted() {
        assert!(CustomId::parse("a".into(), Member::CustomId).is_ok());
        assert!(CustomId::parse("é".repeat(256), Member::CustomId).is_ok());
    }

    #[test]
    fn empty_overlong_or_control_character_ids_are_refused_naming_the_member_sent() {
        let err = CustomId::parse(String::new(), Member::ExternalId).unwrap_err();
        assert_eq!(err.target, Some("externalId"));
        assert!(
            err.message
                .starts_with("ExternalId must be between 1 and 256")
        );
        let err = CustomId::parse("x".repeat(257), Member::CustomId).unwrap_err();
        assert_eq!(err.target, Some("customId"));
        assert!(CustomId::parse("a\nb".into(), Member::CustomId).is_err());
        assert!(CustomId::parse("a\u{85}b".into(), Member::CustomId).is_err());
    }
}
