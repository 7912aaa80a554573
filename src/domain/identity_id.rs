use super::{Invalid, ResourceId, Timestamp};
use uuid::Uuid;

/// A communication identity: `8:acs:<resource id>_<identity guid>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdentityId {
    resource: ResourceId,
    suffix: Uuid,
}

const PREFIX: &str = "8:acs:";

/// A GUID in its hyphenated 36-character form, either case.
const GUID: &str = "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}";

impl utoipa::PartialSchema for IdentityId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .pattern(Some(IdentityId::pattern()))
            .into()
    }
}

impl utoipa::ToSchema for IdentityId {}

impl IdentityId {
    /// A new identity of `resource`, created now.
    pub fn generate(resource: ResourceId) -> Self {
        Self::generate_at(resource, Timestamp::now())
    }

    /// A new identity of `resource` created `at`: a version 7 GUID whose
    /// time is `at` to the microsecond (the milliseconds, then the
    /// microsecond within it in the 12 bits RFC 9562 (6.2, method 3) lets a
    /// generator use for finer time), then random bits. Ids sort as their
    /// creation times do, which keeps the store's index append-mostly, and
    /// an identity's `createdAt` made from the same `at` never goes
    /// backwards in the directory's id order.
    pub fn generate_at(resource: ResourceId, at: Timestamp) -> Self {
        let micros = at.micros().max(0) as u64;
        let within = (micros % 1000) as u16;
        // 10 random bytes from uuid's generator; the first 12 bits carry
        // the microsecond instead.
        let mut bytes = [0u8; 10];
        bytes.copy_from_slice(&Uuid::new_v4().as_bytes()[6..16]);
        bytes[0] = (within >> 8) as u8;
        bytes[1] = within as u8;
        IdentityId {
            resource,
            suffix: uuid::Builder::from_unix_timestamp_millis(micros / 1000, &bytes).into_uuid(),
        }
    }

    pub fn parse(value: &str) -> Result<Self, Invalid> {
        let malformed = |why: &str| {
            Invalid::new(
                format!(
                    "Identity id '{}' is malformed: {why}; expected the form 8:acs:<resource id>_<identity guid>.",
                    super::quote(value)
                ),
                "id",
            )
        };
        let rest = value
            .strip_prefix(PREFIX)
            .ok_or_else(|| malformed("it must start with '8:acs:'"))?;
        let (resource, suffix) = rest.split_once('_').ok_or_else(|| {
            malformed("the resource id and the identity guid must be joined by '_'")
        })?;
        let resource =
            parse_guid(resource).ok_or_else(|| malformed("the resource id is not a GUID"))?;
        let suffix =
            parse_guid(suffix).ok_or_else(|| malformed("the identity part is not a GUID"))?;
        Ok(IdentityId {
            resource: ResourceId::from_uuid(resource),
            suffix,
        })
    }

    /// What [`IdentityId::parse`] accepts, as a regular expression.
    pub fn pattern() -> String {
        format!("^{PREFIX}{GUID}_{GUID}$")
    }

    pub fn resource(&self) -> ResourceId {
        self.resource
    }

    /// The `skypeid` token claim: the id without its `8:` prefix.
    pub fn skype_id(&self) -> String {
        format!("acs:{}_{}", self.resource, self.suffix.hyphenated())
    }
}

/// Only the hyphenated 36-character form: the one ACS prints and SDKs parse.
fn parse_guid(text: &str) -> Option<Uuid> {
    if text.len() != 36 {
        return None;
    }
    Uuid::try_parse(text).ok()
}

impl std::fmt::Display for IdentityId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{PREFIX}{}_{}", self.resource, self.suffix.hyphenated())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_id_round_trips_through_its_text_form() {
        let resource = ResourceId::generate();
        let id = IdentityId::generate(resource);
        let text = id.to_string();
        assert!(text.starts_with(&format!("8:acs:{resource}_")));
        assert_eq!(IdentityId::parse(&text).unwrap(), id);
        // The SDKs split on ':' into exactly three parts, and on '_' into two.
        assert_eq!(text.split(':').count(), 3);
        assert_eq!(text.split(':').nth(2).unwrap().split('_').count(), 2);
    }

    #[test]
    fn ids_sort_as_their_creation_times_to_the_microsecond() {
        let resource = ResourceId::generate();
        let start = Timestamp::now().micros();
        // Across millisecond boundaries and within one millisecond.
        let times: Vec<i64> = (0..3000).map(|i| start + i * 7 / 5).collect();
        let ids: Vec<String> = times
            .iter()
            .map(|&t| IdentityId::generate_at(resource, Timestamp::from_micros(t)).to_string())
            .collect();
        for (i, pair) in ids.windows(2).enumerate() {
            if times[i] < times[i + 1] {
                assert!(pair[0] < pair[1], "{} then {}", pair[0], pair[1]);
            }
        }
        let id = IdentityId::generate_at(resource, Timestamp::from_micros(start));
        assert_eq!(id.suffix.get_version_num(), 7);
        assert_eq!(id.suffix.get_variant(), uuid::Variant::RFC4122);
    }

    #[test]
    fn generated_ids_are_never_repeated() {
        let resource = ResourceId::generate();
        let ids: std::collections::HashSet<_> = (0..10_000)
            .map(|_| IdentityId::generate(resource).to_string())
            .collect();
        assert_eq!(ids.len(), 10_000);
    }

    #[test]
    fn the_pattern_describes_exactly_what_parse_accepts() {
        let pattern = IdentityId::pattern();
        let resource = "4ccc92c8-9815-4422-bddc-ceea181dc774";
        let accepted = [
            format!("8:acs:{resource}_0195f7a4-0000-7000-8000-000000000000"),
            format!(
                "8:acs:{}_0195F7A4-0000-7000-8000-00000000000A",
                resource.to_uppercase()
            ),
        ];
        let refused = [
            format!("8:acs:{resource}_0195f7a4-0000-7000-8000-00000000000"),
            format!("8:acs:{resource}_0195f7a40000-7000-8000-000000000000-"),
            format!("8:acs:{resource}_0195f7a4-0000-7000-8000-00000000000g"),
            format!("8:acs:{resource}__0195f7a4-0000-7000-8000-000000000000"),
            format!("8:acs:{resource}"),
            format!("8:orgid:{resource}"),
        ];
        for id in &accepted {
            assert!(IdentityId::parse(id).is_ok(), "{id}");
            assert!(matches(&pattern, id), "{id}");
        }
        for id in &refused {
            assert!(IdentityId::parse(id).is_err(), "{id}");
            assert!(!matches(&pattern, id), "{id}");
        }
    }

    /// The pattern's own grammar: a literal prefix, two GUIDs and `_`.
    fn matches(pattern: &str, text: &str) -> bool {
        let hex = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_hexdigit());
        let guid = |g: &str| {
            let parts: Vec<&str> = g.split('-').collect();
            parts.len() == 5 && [8, 4, 4, 4, 12].iter().zip(&parts).all(|(n, p)| hex(p, *n))
        };
        assert!(pattern.starts_with("^8:acs:") && pattern.ends_with('$'));
        let Some(rest) = text.strip_prefix("8:acs:") else {
            return false;
        };
        let parts: Vec<&str> = rest.split('_').collect();
        parts.len() == 2 && guid(parts[0]) && guid(parts[1])
    }

    #[test]
    fn malformed_ids_are_refused_with_the_reason() {
        for (input, why) in [
            ("abc", "must start with '8:acs:'"),
            ("8:acs:nounderscore", "joined by '_'"),
            (
                "8:acs:notaguid_0195f7a4-0000-7000-8000-000000000000",
                "resource id is not a GUID",
            ),
            (
                "8:acs:4ccc92c8-9815-4422-bddc-ceea181dc774_x",
                "identity part is not a GUID",
            ),
            (
                "8:acs:4ccc92c8-9815-4422-bddc-ceea181dc774_a_b",
                "identity part is not a GUID",
            ),
        ] {
            let err = IdentityId::parse(input).unwrap_err();
            assert!(err.message.contains(why), "{input}: {}", err.message);
            assert_eq!(err.target, Some("id"));
        }
    }
}
