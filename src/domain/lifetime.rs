use super::Invalid;

/// How long a token lives: 60 to 1440 minutes, 1440 when not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenLifetime(u32);

impl utoipa::PartialSchema for TokenLifetime {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Integer))
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Int32,
            )))
            .minimum(Some(Self::MIN_MINUTES as f64))
            .maximum(Some(Self::MAX_MINUTES as f64))
            .description(Some(format!(
                "Token lifetime in minutes, {} to {} (default {}).",
                Self::MIN_MINUTES,
                Self::MAX_MINUTES,
                Self::MAX_MINUTES
            )))
            .into()
    }
}

impl utoipa::ToSchema for TokenLifetime {}

impl TokenLifetime {
    pub const MIN_MINUTES: i64 = 60;
    pub const MAX_MINUTES: i64 = 1440;

    pub fn from_minutes(minutes: Option<i64>) -> Result<Self, Invalid> {
        match minutes {
            None => Ok(TokenLifetime(Self::MAX_MINUTES as u32)),
            Some(m) if (Self::MIN_MINUTES..=Self::MAX_MINUTES).contains(&m) => {
                Ok(TokenLifetime(m as u32))
            }
            Some(m) => Err(Invalid::new(
                format!(
                    "ExpiresInMinutes value {m} is invalid. Value must be within the [{}, {}] interval.",
                    Self::MIN_MINUTES,
                    Self::MAX_MINUTES
                ),
                "ExpiresInMinutes",
            )),
        }
    }

    pub fn seconds(&self) -> i64 {
        i64::from(self.0) * 60
    }

    /// When a token issued at `now` with this lifetime expires (whole seconds).
    pub fn expiry_from(&self, now: super::Timestamp) -> super::Timestamp {
        super::Timestamp::from_unix_seconds(now.unix_seconds() + self.seconds())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_lifetime_is_24_hours() {
        assert_eq!(TokenLifetime::from_minutes(None).unwrap().seconds(), 86_400);
    }

    #[test]
    fn the_bounds_are_inclusive() {
        assert_eq!(
            TokenLifetime::from_minutes(Some(60)).unwrap().seconds(),
            3_600
        );
        assert_eq!(
            TokenLifetime::from_minutes(Some(1440)).unwrap().seconds(),
            86_400
        );
    }

    #[test]
    fn out_of_range_lifetimes_get_the_live_services_message() {
        let err = TokenLifetime::from_minutes(Some(1441)).unwrap_err();
        assert_eq!(
            err.message,
            "ExpiresInMinutes value 1441 is invalid. Value must be within the [60, 1440] interval."
        );
        assert_eq!(err.target, Some("ExpiresInMinutes"));
        assert!(TokenLifetime::from_minutes(Some(59)).is_err());
        assert!(TokenLifetime::from_minutes(Some(-1)).is_err());
    }
}
