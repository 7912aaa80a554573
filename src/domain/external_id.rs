use super::Invalid;

/// The caller's own id for an identity (`externalId`, 1 to 256 characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExternalId(String);

impl ExternalId {
    pub const MAX_CHARS: usize = 256;

    pub fn parse(value: String) -> Result<Self, Invalid> {
        let chars = value.chars().count();
        if chars == 0 || chars > Self::MAX_CHARS {
            return Err(Invalid::new(
                format!(
                    "ExternalId must be between 1 and {} characters long; it has {chars}.",
                    Self::MAX_CHARS
                ),
                "externalId",
            ));
        }
        if value.chars().any(char::is_control) {
            return Err(Invalid::new(
                "ExternalId must not contain control characters.",
                "externalId",
            ));
        }
        Ok(ExternalId(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_ids_from_one_to_256_characters_are_accepted() {
        assert!(ExternalId::parse("a".into()).is_ok());
        assert!(ExternalId::parse("é".repeat(256)).is_ok());
    }

    #[test]
    fn empty_overlong_or_control_character_external_ids_are_refused() {
        assert_eq!(
            ExternalId::parse(String::new()).unwrap_err().target,
            Some("externalId")
        );
        assert!(ExternalId::parse("x".repeat(257)).is_err());
        assert!(ExternalId::parse("a\nb".into()).is_err());
    }
}
