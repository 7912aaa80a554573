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
        check(&value, member.title(), member.json_name())?;
        Ok(CustomId(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The rules of a custom id, for a value sent as `target` and named `title`
/// in messages: 1 to 256 characters, none of them a control character.
fn check(value: &str, title: &str, target: &'static str) -> Result<(), Invalid> {
    let chars = value.chars().count();
    if chars == 0 || chars > CustomId::MAX_CHARS {
        return Err(Invalid::new(
            format!(
                "{title} must be between 1 and {} characters long; it has {chars}.",
                CustomId::MAX_CHARS
            ),
            target,
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Invalid::new(
            format!("{title} must not contain control characters."),
            target,
        ));
    }
    Ok(())
}

/// The start of the custom ids a list or a count keeps: `customIdPrefix`,
/// with the rules of a custom id. Compared exactly, character by character,
/// as custom ids are everywhere: case counts, and `%`, `_` and `\` are
/// characters like any other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomIdPrefix(String);

impl utoipa::PartialSchema for CustomIdPrefix {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        CustomId::schema()
    }
}

impl utoipa::ToSchema for CustomIdPrefix {}

impl CustomIdPrefix {
    pub const PARAMETER: &'static str = "customIdPrefix";

    pub fn parse(value: &str) -> Result<Self, Invalid> {
        check(value, "customIdPrefix", Self::PARAMETER)?;
        Ok(CustomIdPrefix(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `custom_id` starts with this prefix.
    pub fn admits(&self, custom_id: &CustomId) -> bool {
        custom_id.as_str().starts_with(&self.0)
    }

    /// The least string above every string that starts with the prefix, in
    /// code point order (the byte order of UTF-8, which SQLite's `BINARY`
    /// and PostgreSQL's `"C"` collations compare by): the custom ids with
    /// this prefix are exactly those from the prefix up to, not including,
    /// this bound. `None` when no string is above them (a prefix of only
    /// U+10FFFF).
    pub fn upper_bound(&self) -> Option<String> {
        let mut chars: Vec<char> = self.0.chars().collect();
        while let Some(last) = chars.pop() {
            let next = match last {
                '\u{D7FF}' => Some('\u{E000}'),
                c => char::from_u32(u32::from(c) + 1),
            };
            if let Some(next) = next {
                chars.push(next);
                return Some(chars.into_iter().collect());
            }
        }
        None
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

    #[test]
    fn a_prefix_has_the_rules_of_a_custom_id_and_names_its_parameter() {
        assert!(CustomIdPrefix::parse("a").is_ok());
        for bad in [String::new(), "x".repeat(257), "a\tb".into()] {
            let err = CustomIdPrefix::parse(&bad).unwrap_err();
            assert_eq!(err.target, Some("customIdPrefix"), "{bad:?}");
            assert!(err.message.starts_with("customIdPrefix must"), "{bad:?}");
        }
    }

    #[test]
    fn a_prefix_admits_exactly_the_custom_ids_that_start_with_it() {
        let prefix = CustomIdPrefix::parse("te%_\\").unwrap();
        let id = |s: &str| CustomId::parse(s.into(), Member::CustomId).unwrap();
        assert!(prefix.admits(&id("te%_\\")));
        assert!(prefix.admits(&id("te%_\\1")));
        for other in ["te%_", "teX_\\", "te%X\\", "TE%_\\1", "xte%_\\"] {
            assert!(!prefix.admits(&id(other)), "{other}");
        }
    }

    #[test]
    fn the_upper_bound_is_above_every_id_with_the_prefix_and_below_every_other_above_it() {
        let bound = |p: &str| CustomIdPrefix::parse(p).unwrap().upper_bound();
        assert_eq!(bound("team").as_deref(), Some("tean"));
        assert_eq!(bound("a~").as_deref(), Some("a\u{7f}"));
        assert_eq!(bound("x\u{D7FF}").as_deref(), Some("x\u{E000}"));
        assert_eq!(bound("x\u{10FFFF}").as_deref(), Some("y"));
        assert_eq!(bound("\u{10FFFF}\u{10FFFF}"), None);
        let upper = bound("team").unwrap();
        for inside in ["team", "team-1", "team\u{10FFFF}", "teamé"] {
            assert!(inside >= "team" && *inside < *upper, "{inside}");
        }
        for outside in ["tean", "teb", "teal", "Team"] {
            assert!(!(outside >= "team" && *outside < *upper), "{outside}");
        }
    }
}
