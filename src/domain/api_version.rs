use super::Invalid;

/// What an api-version has beyond the identity operations and the Teams-user
/// exchange, which every version commid accepts has (commid adds
/// `GET /identities/{id}`, `customId` and its own operations to all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Feature {
    /// `customId` and `GET /identities/{id}`, as ACS defines them.
    CustomId,
    /// Teams Phone extensibility: `/access/teamsExtension/…`.
    TeamsExtension,
    /// Microsoft Entra ID users: `/access/entra/…`.
    EntraUsers,
}

impl Feature {
    pub const ALL: [Feature; 3] = [
        Feature::CustomId,
        Feature::TeamsExtension,
        Feature::EntraUsers,
    ];

    /// The operations the feature brings, as docs/api.md names them.
    pub fn operations(self) -> &'static str {
        match self {
            Feature::CustomId => "`customId` on create, get an identity",
            Feature::TeamsExtension => {
                "Teams Phone extensibility: token exchange, assignments (get, put, delete)"
            }
            Feature::EntraUsers => {
                "Entra ID users: token exchange, assignments (list, bulk update, get, put, delete)"
            }
        }
    }
}

/// The `api-version` query values commid answers: the one list, with what
/// each has (WIRE-2025.md §1). The identity operations are identical from
/// 2022-10-01 on; the older ones differ only in what they leave out, so one
/// implementation serves them all.
const VERSIONS: [(&str, &[Feature]); 9] = [
    ("2021-03-07", &[]),
    ("2022-06-01", &[]),
    ("2022-10-01", &[]),
    ("2023-08-01", &[]),
    ("2023-10-01", &[]),
    (
        "2025-03-02-preview",
        &[
            Feature::CustomId,
            Feature::TeamsExtension,
            Feature::EntraUsers,
        ],
    ),
    ("2025-06-30", &[Feature::TeamsExtension]),
    ("2026-07-22", &[Feature::TeamsExtension]),
    ("2026-09-23", &[Feature::TeamsExtension]),
];

impl utoipa::PartialSchema for ApiVersion {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .enum_values(Some(ApiVersion::SUPPORTED))
            .into()
    }
}

impl utoipa::ToSchema for ApiVersion {}

/// The api-versions that have Teams Phone extensibility, as a schema.
pub struct TeamsExtensionApiVersion;

/// The api-versions that have Entra ID users, as a schema.
pub struct EntraApiVersion;

fn versions_with(feature: Feature) -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    let mut versions = ApiVersion::with(feature);
    versions.sort();
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .enum_values(Some(versions))
        .into()
}

impl utoipa::PartialSchema for TeamsExtensionApiVersion {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        versions_with(Feature::TeamsExtension)
    }
}

impl utoipa::ToSchema for TeamsExtensionApiVersion {}

impl utoipa::PartialSchema for EntraApiVersion {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        versions_with(Feature::EntraUsers)
    }
}

impl utoipa::ToSchema for EntraApiVersion {}

/// A supported `api-version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiVersion(&'static str, &'static [Feature]);

impl ApiVersion {
    pub const SUPPORTED: [&'static str; VERSIONS.len()] = {
        let mut names = [""; VERSIONS.len()];
        let mut i = 0;
        while i < VERSIONS.len() {
            names[i] = VERSIONS[i].0;
            i += 1;
        }
        names
    };

    /// The version today's SDKs send, and the connector's default.
    pub const DEFAULT: &'static str = "2023-10-01";

    pub fn parse(value: Option<&str>) -> Result<Self, Invalid> {
        let supported = Self::SUPPORTED.join(", ");
        match value {
            None | Some("") => Err(Invalid::new(
                format!(
                    "The api-version query parameter (?api-version=) is required for all requests. Supported versions: {supported}."
                ),
                "api-version",
            )),
            Some(v) => VERSIONS
                .iter()
                .find(|(name, _)| *name == v)
                .map(|(name, features)| ApiVersion(name, features))
                .ok_or_else(|| {
                    Invalid::new(
                        format!(
                            "The api-version '{}' is not supported. Supported versions: {supported}.",
                            super::quote(v)
                        ),
                        "api-version",
                    )
                }),
        }
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }

    pub fn has(&self, feature: Feature) -> bool {
        self.1.contains(&feature)
    }

    /// The versions that have `feature`, newest first.
    pub fn with(feature: Feature) -> Vec<&'static str> {
        let mut names: Vec<&str> = VERSIONS
            .iter()
            .filter(|(_, features)| features.contains(&feature))
            .map(|(name, _)| *name)
            .collect();
        names.sort_by(|a, b| b.cmp(a));
        names
    }

    /// `Ok` when this version has `feature`; otherwise the error that names
    /// the versions that do.
    pub fn require(&self, feature: Feature, operation: &str) -> Result<(), Invalid> {
        if self.has(feature) {
            return Ok(());
        }
        Err(Invalid::new(
            format!(
                "The api-version '{}' does not have {operation}. Use one of: {}.",
                self.0,
                Self::with(feature).join(", ")
            ),
            "api-version",
        ))
    }

    /// The table of docs/api.md: each version and what it has.
    pub fn table() -> String {
        let mut out = String::from(
            "| api-version | beyond the identity operations and the Teams-user exchange |\n|---|---|\n",
        );
        for (name, features) in VERSIONS {
            let has: Vec<&str> = features.iter().map(|f| f.operations()).collect();
            let has = if has.is_empty() {
                "nothing".to_owned()
            } else {
                has.join("; ")
            };
            out.push_str(&format!("| `{name}` | {has} |\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_version_is_accepted() {
        for v in ApiVersion::SUPPORTED {
            assert_eq!(ApiVersion::parse(Some(v)).unwrap().as_str(), v);
        }
        assert!(ApiVersion::SUPPORTED.contains(&"2026-09-23"));
        assert!(ApiVersion::SUPPORTED.contains(&"2026-07-22"));
    }

    #[test]
    fn a_missing_or_unknown_version_names_the_supported_ones() {
        let missing = ApiVersion::parse(None).unwrap_err();
        assert!(missing.message.contains("is required"));
        assert!(missing.message.contains("2023-10-01"));
        let unknown = ApiVersion::parse(Some("2020-01-01")).unwrap_err();
        assert!(unknown.message.contains("'2020-01-01' is not supported"));
        assert!(unknown.message.contains("2025-06-30"));
    }

    #[test]
    fn teams_extension_is_in_2025_06_30_and_later_and_the_preview_entra_only_in_the_preview() {
        let v = |s| ApiVersion::parse(Some(s)).unwrap();
        for s in [
            "2025-06-30",
            "2026-07-22",
            "2026-09-23",
            "2025-03-02-preview",
        ] {
            assert!(v(s).has(Feature::TeamsExtension), "{s}");
        }
        assert!(!v("2023-10-01").has(Feature::TeamsExtension));
        assert_eq!(
            ApiVersion::with(Feature::EntraUsers),
            ["2025-03-02-preview"]
        );
        let err = v("2023-10-01")
            .require(Feature::TeamsExtension, "Teams Phone extensibility")
            .unwrap_err();
        assert_eq!(
            err.message,
            "The api-version '2023-10-01' does not have Teams Phone extensibility. \
             Use one of: 2026-09-23, 2026-07-22, 2025-06-30, 2025-03-02-preview."
        );
    }
}
