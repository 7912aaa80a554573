use super::Invalid;

/// The `api-version` query values commid answers. The identity operations
/// are identical from 2022-10-01 on; the older ones differ only in what they
/// leave out, so one implementation serves them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiVersion(&'static str);

impl ApiVersion {
    pub const SUPPORTED: [&'static str; 7] = [
        "2021-03-07",
        "2022-06-01",
        "2022-10-01",
        "2023-08-01",
        "2023-10-01",
        "2025-03-02-preview",
        "2025-06-30",
    ];

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
            Some(v) => Self::SUPPORTED
                .iter()
                .find(|s| **s == v)
                .map(|s| ApiVersion(s))
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_version_is_accepted() {
        for v in ApiVersion::SUPPORTED {
            assert_eq!(ApiVersion::parse(Some(v)).unwrap().as_str(), v);
        }
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
}
