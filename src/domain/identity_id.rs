use super::{Invalid, ResourceId};
use uuid::Uuid;

/// A communication identity: `8:acs:<resource id>_<identity guid>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdentityId {
    resource: ResourceId,
    suffix: Uuid,
}

const PREFIX: &str = "8:acs:";

impl IdentityId {
    /// A new identity of `resource`. Version 7 GUIDs are unique and ordered
    /// by creation time, which keeps the store's index append-mostly.
    pub fn generate(resource: ResourceId) -> Self {
        IdentityId {
            resource,
            suffix: Uuid::now_v7(),
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
    fn generated_ids_are_never_repeated() {
        let resource = ResourceId::generate();
        let ids: std::collections::HashSet<_> = (0..10_000)
            .map(|_| IdentityId::generate(resource).to_string())
            .collect();
        assert_eq!(ids.len(), 10_000);
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
