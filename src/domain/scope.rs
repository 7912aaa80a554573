use super::Invalid;
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::{RefOr, Schema};

/// A token scope, as the live service names them. Its names are kept once,
/// in [`Scope::as_str`]: JSON, the `acsScope` claim and the OpenAPI enum
/// (schema `TokenScope`) all come from there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Chat,
    Voip,
    ChatJoin,
    ChatJoinLimited,
    VoipJoin,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::Chat,
        Scope::Voip,
        Scope::ChatJoin,
        Scope::ChatJoinLimited,
        Scope::VoipJoin,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Scope::Chat => "chat",
            Scope::Voip => "voip",
            Scope::ChatJoin => "chat.join",
            Scope::ChatJoinLimited => "chat.join.limited",
            Scope::VoipJoin => "voip.join",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl serde::Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Scope::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("'{}' is not a token scope", super::quote(&text)))
        })
    }
}

impl utoipa::PartialSchema for Scope {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .enum_values(Some(Scope::ALL.iter().map(Scope::as_str)))
            .description(Some("A token scope."))
            .into()
    }
}

impl utoipa::ToSchema for Scope {
    fn name() -> std::borrow::Cow<'static, str> {
        "TokenScope".into()
    }
}

/// A non-empty set of scopes, in the order first given, without repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes(Vec<Scope>);

const TARGET: &str = "Scopes";

impl Scopes {
    /// `None` and an empty list are both "no scopes", which the live service
    /// refuses with the same message.
    pub fn parse(values: Option<&[String]>) -> Result<Self, Invalid> {
        let values = values.unwrap_or_default();
        if values.is_empty() {
            return Err(Invalid::new(
                "Scopes: The Scopes field is required.",
                TARGET,
            ));
        }
        let mut scopes = Vec::with_capacity(values.len());
        for value in values {
            let scope = Scope::parse(value).ok_or_else(|| {
                let allowed: Vec<_> = Scope::ALL.iter().map(Scope::as_str).collect();
                Invalid::new(
                    format!(
                        "Scopes: '{}' is not a valid scope. Allowed values: {}.",
                        super::quote(value),
                        allowed.join(", ")
                    ),
                    TARGET,
                )
            })?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        Ok(Scopes(scopes))
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    /// The `acsScope` claim: comma-separated.
    pub fn joined(&self) -> String {
        self.to_string()
    }

    pub fn from_joined(text: &str) -> Option<Self> {
        let parts: Vec<String> = text.split(',').map(str::to_owned).collect();
        Scopes::parse(Some(&parts)).ok()
    }
}

/// Comma-separated, as the `acsScope` claim reads.
impl std::fmt::Display for Scopes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, scope) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(scope.as_str())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_acs_scope_is_accepted_and_repeats_are_dropped() {
        let scopes = Scopes::parse(Some(&strings(&[
            "voip",
            "chat",
            "voip",
            "chat.join",
            "chat.join.limited",
            "voip.join",
        ])))
        .unwrap();
        assert_eq!(
            scopes.joined(),
            "voip,chat,chat.join,chat.join.limited,voip.join"
        );
        assert_eq!(Scopes::from_joined(&scopes.joined()), Some(scopes));
    }

    #[test]
    fn missing_and_empty_scopes_get_the_required_message() {
        for input in [None, Some(&[][..])] {
            let err = Scopes::parse(input).unwrap_err();
            assert_eq!(err.message, "Scopes: The Scopes field is required.");
            assert_eq!(err.target, Some("Scopes"));
        }
    }

    #[test]
    fn an_unknown_scope_is_named_with_the_allowed_ones() {
        let err = Scopes::parse(Some(&strings(&["chat", "Chat"]))).unwrap_err();
        assert!(
            err.message.contains("'Chat' is not a valid scope"),
            "{}",
            err.message
        );
        assert!(err.message.contains("chat.join.limited"));
    }
}
