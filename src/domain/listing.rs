//! What a list of identities may ask for: filters, order and page size,
//! each checked with the message and target a caller sees.

use super::{CustomId, CustomIdPrefix, IdentityId, Invalid, Member, Timestamp};

/// Which way a list runs: by creation (oldest first, the default) or newest
/// first. Query values `asc` and `desc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    #[default]
    OldestFirst,
    NewestFirst,
}

impl utoipa::PartialSchema for Order {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .enum_values(Some(Order::VALUES))
            .default(Some(Order::VALUES[0].into()))
            .into()
    }
}

impl utoipa::ToSchema for Order {}

impl Order {
    pub const VALUES: [&'static str; 2] = ["asc", "desc"];

    pub fn parse(value: Option<&str>) -> Result<Self, Invalid> {
        match value {
            None | Some("asc") => Ok(Order::OldestFirst),
            Some("desc") => Ok(Order::NewestFirst),
            Some(other) => Err(Invalid::new(
                format!(
                    "order '{}' is not one of asc (oldest first) and desc (newest first).",
                    super::quote(other)
                ),
                "order",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Order::OldestFirst => "asc",
            Order::NewestFirst => "desc",
        }
    }
}

/// How many items a page holds at most: `maxPageSize`, 1 to 1000, 100 when
/// not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize(u16);

impl utoipa::PartialSchema for PageSize {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Integer))
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Int32,
            )))
            .minimum(Some(f64::from(Self::MIN)))
            .maximum(Some(f64::from(Self::MAX)))
            .default(Some(Self::DEFAULT.into()))
            .into()
    }
}

impl utoipa::ToSchema for PageSize {}

impl PageSize {
    pub const MIN: u16 = 1;
    pub const MAX: u16 = 1000;
    pub const DEFAULT: u16 = 100;

    pub fn parse(value: Option<&str>) -> Result<Self, Invalid> {
        let Some(text) = value else {
            return Ok(PageSize(Self::DEFAULT));
        };
        match text.parse::<u16>() {
            Ok(n) if (Self::MIN..=Self::MAX).contains(&n) => Ok(PageSize(n)),
            _ => Err(Invalid::new(
                format!(
                    "maxPageSize '{}' is not a whole number from {} to {}.",
                    super::quote(text),
                    Self::MIN,
                    Self::MAX
                ),
                "maxPageSize",
            )),
        }
    }

    pub fn get(self) -> usize {
        usize::from(self.0)
    }
}

/// Which live identities a list or a count covers: all of them, or those
/// matching every filter given. Bounds are exclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub custom_id: Option<CustomId>,
    /// Only custom ids that start with this. A list with it runs in custom
    /// id order instead of creation order (see [`ListPosition`]).
    pub custom_id_prefix: Option<CustomIdPrefix>,
    pub created_after: Option<Timestamp>,
    pub created_before: Option<Timestamp>,
    /// Idle since: the last token is older than this, or there never was
    /// one and the identity was created before it.
    pub last_token_issued_before: Option<Timestamp>,
}

/// The query parameters a filter is read from, by name.
pub const FILTER_PARAMETERS: [&str; 5] = [
    "customId",
    CustomIdPrefix::PARAMETER,
    "createdAfter",
    "createdBefore",
    "lastTokenIssuedBefore",
];

impl ListFilter {
    /// From the query parameters `value` gives by name.
    pub fn parse<'a>(value: impl Fn(&str) -> Option<&'a str>) -> Result<Self, Invalid> {
        let time = |name: &'static str| value(name).map(|t| Timestamp::parse(t, name)).transpose();
        Ok(ListFilter {
            custom_id: value("customId")
                .map(|c| CustomId::parse(c.to_owned(), Member::CustomId))
                .transpose()?,
            custom_id_prefix: value(CustomIdPrefix::PARAMETER)
                .map(CustomIdPrefix::parse)
                .transpose()?,
            created_after: time("createdAfter")?,
            created_before: time("createdBefore")?,
            last_token_issued_before: time("lastTokenIssuedBefore")?,
        })
    }

    pub fn is_empty(&self) -> bool {
        *self == ListFilter::default()
    }

    /// The filters as query parameters, in a fixed order: what a `nextLink`
    /// carries and a continuation token is bound to.
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(c) = &self.custom_id {
            pairs.push(("customId", c.as_str().to_owned()));
        }
        if let Some(p) = &self.custom_id_prefix {
            pairs.push((CustomIdPrefix::PARAMETER, p.as_str().to_owned()));
        }
        for (name, at) in [
            ("createdAfter", self.created_after),
            ("createdBefore", self.created_before),
            ("lastTokenIssuedBefore", self.last_token_issued_before),
        ] {
            if let Some(at) = at {
                pairs.push((name, at.to_acs_string()));
            }
        }
        pairs
    }

    /// Whether an identity with these values passes every filter.
    pub fn admits(
        &self,
        custom_id: Option<&CustomId>,
        created_at: Timestamp,
        last_token_issued_at: Option<Timestamp>,
    ) -> bool {
        self.custom_id
            .as_ref()
            .is_none_or(|wanted| custom_id == Some(wanted))
            && self
                .custom_id_prefix
                .as_ref()
                .is_none_or(|prefix| custom_id.is_some_and(|c| prefix.admits(c)))
            && self.created_after.is_none_or(|t| created_at > t)
            && self.created_before.is_none_or(|t| created_at < t)
            && self
                .last_token_issued_before
                .is_none_or(|t| last_token_issued_at.unwrap_or(created_at) < t)
    }
}

impl ListFilter {
    /// Whether the list runs in custom id order: with a prefix, whose
    /// matches are one range of the custom id index.
    pub fn by_custom_id(&self) -> bool {
        self.custom_id_prefix.is_some()
    }

    /// Where a page that ended at an identity with these values resumes.
    pub fn position(&self, id: IdentityId, custom_id: Option<&CustomId>) -> Option<ListPosition> {
        if self.by_custom_id() {
            custom_id.cloned().map(ListPosition::CustomId)
        } else {
            Some(ListPosition::Identity(id))
        }
    }
}

/// Where the previous page of a list ended (exclusive): an identity in
/// creation order, or, in a list by custom id prefix, a custom id (unique
/// among live identities, and kept by no deleted one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListPosition {
    Identity(IdentityId),
    CustomId(CustomId),
}

/// What marks a custom id in a position's text (an identity's id is marked
/// by its own `8:acs:`).
const CUSTOM_ID_TAG: &str = "customId:";

impl ListPosition {
    /// The shortest text of a position, in bytes: a one-byte custom id.
    pub const MIN_TEXT_BYTES: usize = CUSTOM_ID_TAG.len() + 1;
    /// The longest: a custom id of 256 four-byte characters.
    pub const MAX_TEXT_BYTES: usize = CUSTOM_ID_TAG.len() + 4 * CustomId::MAX_CHARS;

    /// Its text, as a continuation token seals it.
    pub fn as_text(&self) -> String {
        match self {
            ListPosition::Identity(id) => id.to_string(),
            ListPosition::CustomId(c) => format!("{CUSTOM_ID_TAG}{}", c.as_str()),
        }
    }

    /// The position `text` names in a list with `filter`.
    pub fn parse(text: &str, filter: &ListFilter) -> Result<Self, Invalid> {
        if filter.by_custom_id() {
            let custom_id = text
                .strip_prefix(CUSTOM_ID_TAG)
                .ok_or_else(|| Invalid::untargeted("not a custom id's position"))?;
            CustomId::parse(custom_id.to_owned(), Member::CustomId).map(ListPosition::CustomId)
        } else {
            IdentityId::parse(text).map(ListPosition::Identity)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(micros: i64) -> Timestamp {
        Timestamp::from_micros(micros)
    }

    #[test]
    fn page_sizes_from_1_to_1000_are_taken_and_100_is_the_default() {
        assert_eq!(PageSize::parse(None).unwrap().get(), 100);
        assert_eq!(PageSize::parse(Some("1")).unwrap().get(), 1);
        assert_eq!(PageSize::parse(Some("1000")).unwrap().get(), 1000);
        for bad in ["0", "1001", "-1", "ten", ""] {
            let err = PageSize::parse(Some(bad)).unwrap_err();
            assert_eq!(err.target, Some("maxPageSize"), "{bad}");
        }
    }

    #[test]
    fn an_identity_is_idle_when_its_last_token_or_else_its_creation_is_older_than_the_bound() {
        let idle = ListFilter {
            last_token_issued_before: Some(at(100)),
            ..ListFilter::default()
        };
        assert!(idle.admits(None, at(50), None), "never had a token");
        assert!(!idle.admits(None, at(150), None), "created since");
        assert!(idle.admits(None, at(10), Some(at(99))));
        assert!(!idle.admits(None, at(10), Some(at(100))), "exclusive");
    }

    #[test]
    fn every_filter_given_must_pass() {
        let alice = CustomId::parse("alice".into(), Member::CustomId).unwrap();
        let f = ListFilter {
            custom_id: Some(alice.clone()),
            custom_id_prefix: None,
            created_after: Some(at(10)),
            created_before: Some(at(20)),
            last_token_issued_before: None,
        };
        assert!(f.admits(Some(&alice), at(15), None));
        assert!(!f.admits(None, at(15), None));
        assert!(!f.admits(Some(&alice), at(10), None));
        assert!(!f.admits(Some(&alice), at(20), None));
        assert!(ListFilter::default().admits(None, at(0), None));
    }

    #[test]
    fn filters_are_read_from_query_parameters_by_name() {
        let query = [
            ("createdAfter", "2026-12-01T10:00:00Z"),
            ("customId", "bob"),
        ];
        let get = |name: &str| query.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        let f = ListFilter::parse(get).unwrap();
        assert_eq!(f.custom_id.unwrap().as_str(), "bob");
        assert!(f.created_after.is_some() && f.created_before.is_none());
        let bad = [("lastTokenIssuedBefore", "soon")];
        let get = |name: &str| bad.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        assert_eq!(
            ListFilter::parse(get).unwrap_err().target,
            Some("lastTokenIssuedBefore")
        );
    }

    #[test]
    fn a_prefix_filter_keeps_the_custom_ids_that_start_with_it_and_orders_by_custom_id() {
        let query = [("customIdPrefix", "team-")];
        let get = |name: &str| query.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        let f = ListFilter::parse(get).unwrap();
        assert!(f.by_custom_id());
        let id = |s: &str| CustomId::parse(s.into(), Member::CustomId).unwrap();
        assert!(f.admits(Some(&id("team-1")), at(0), None));
        assert!(!f.admits(Some(&id("team")), at(0), None));
        assert!(!f.admits(None, at(0), None), "no custom id: no match");
        assert_eq!(
            f.query_pairs(),
            vec![("customIdPrefix", "team-".to_owned())]
        );
        let position = ListPosition::CustomId(id("team-7"));
        assert_eq!(position.as_text(), "customId:team-7");
        assert_eq!(
            ListPosition::parse(&position.as_text(), &f).unwrap(),
            position
        );
        assert!(ListPosition::parse("team-7", &f).is_err(), "untagged");
        assert!(ListPosition::parse(&position.as_text(), &ListFilter::default()).is_err());
        let identity =
            ListPosition::Identity(IdentityId::generate(crate::domain::ResourceId::generate()));
        assert!(ListPosition::parse(&identity.as_text(), &f).is_err());
        for text in [
            "customId:x".to_owned(),
            format!("customId:{}", "😀".repeat(256)),
        ] {
            assert!(
                (ListPosition::MIN_TEXT_BYTES..=ListPosition::MAX_TEXT_BYTES).contains(&text.len())
            );
        }
        assert!(
            (ListPosition::MIN_TEXT_BYTES..=ListPosition::MAX_TEXT_BYTES)
                .contains(&IdentityId::TEXT_LEN)
        );
        let bad = [("customIdPrefix", "")];
        let get = |name: &str| bad.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        assert_eq!(
            ListFilter::parse(get).unwrap_err().target,
            Some("customIdPrefix")
        );
    }
}
