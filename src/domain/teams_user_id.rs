use super::{AssignedUserId, IdentityId, Invalid};
use uuid::Uuid;

/// A Microsoft Teams user: `8:orgid:<Microsoft Entra object id>`, the id the
/// ACS SDKs read as a `MicrosoftTeamsUserIdentifier` of the public cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TeamsUserId(Uuid);

const PREFIX: &str = "8:orgid:";

impl TeamsUserId {
    /// From an Entra `oid` claim or a caller's `userId`: a GUID in its
    /// hyphenated form, in either case.
    pub fn from_object_id(text: &str) -> Option<Self> {
        if text.len() != 36 {
            return None;
        }
        Uuid::try_parse(text).ok().map(TeamsUserId)
    }

    pub fn parse(value: &str) -> Result<Self, Invalid> {
        value
            .strip_prefix(PREFIX)
            .and_then(Self::from_object_id)
            .ok_or_else(|| {
                Invalid::new(
                    format!(
                        "Teams user id '{}' is malformed; expected the form 8:orgid:<Entra object id>.",
                        super::quote(value)
                    ),
                    "id",
                )
            })
    }

    /// The Entra object id, lowercase.
    pub fn object_id(&self) -> String {
        self.0.hyphenated().to_string()
    }

    /// The `skypeid` token claim: the id without its `8:` prefix.
    pub fn skype_id(&self) -> String {
        format!("orgid:{}", self.object_id())
    }
}

impl std::fmt::Display for TeamsUserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{PREFIX}{}", self.0.hyphenated())
    }
}

/// Whom a communication token was issued for: one of this service's
/// identities, a Teams user whose Entra token was exchanged, or an Entra
/// principal whose token was exchanged under an assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Identity(IdentityId),
    TeamsUser(TeamsUserId),
    Assigned(AssignedUserId),
}

impl Subject {
    /// The `sub` claim: `8:acs:…` or `8:orgid:…`.
    pub fn parse(value: &str) -> Result<Self, Invalid> {
        if value.starts_with(PREFIX) {
            TeamsUserId::parse(value).map(Subject::TeamsUser)
        } else if AssignedUserId::is_shaped(value) {
            AssignedUserId::parse(value).map(Subject::Assigned)
        } else {
            IdentityId::parse(value).map(Subject::Identity)
        }
    }

    pub fn skype_id(&self) -> String {
        match self {
            Subject::Identity(id) => id.skype_id(),
            Subject::TeamsUser(user) => user.skype_id(),
            Subject::Assigned(user) => user.skype_id(),
        }
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Subject::Identity(id) => id.fmt(f),
            Subject::TeamsUser(user) => user.fmt(f),
            Subject::Assigned(user) => user.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OID: &str = "32c0a5db-05ec-78ea-51ab-3f06b329397e";

    #[test]
    fn a_teams_user_id_is_the_object_id_behind_8_orgid() {
        let user = TeamsUserId::from_object_id(OID).unwrap();
        assert_eq!(user.to_string(), format!("8:orgid:{OID}"));
        assert_eq!(user.skype_id(), format!("orgid:{OID}"));
        assert_eq!(TeamsUserId::parse(&user.to_string()).unwrap(), user);
    }

    #[test]
    fn object_ids_compare_as_guids_whatever_their_case() {
        assert_eq!(
            TeamsUserId::from_object_id(&OID.to_uppercase()),
            TeamsUserId::from_object_id(OID)
        );
        assert_eq!(
            TeamsUserId::from_object_id(&OID.to_uppercase())
                .unwrap()
                .object_id(),
            OID
        );
    }

    #[test]
    fn object_ids_that_are_not_hyphenated_guids_are_refused() {
        for text in ["", "invalid", &OID.replace('-', ""), &format!("{{{OID}}}")] {
            assert_eq!(TeamsUserId::from_object_id(text), None, "{text}");
        }
        let err = TeamsUserId::parse("8:orgid:nope").unwrap_err();
        assert!(err.message.contains("8:orgid:<Entra object id>"), "{err}");
    }

    #[test]
    fn every_subjects_skype_id_is_its_id_without_the_8_prefix() {
        // Tokens write `skypeid` as the `sub` text after its `8:`.
        let r = "4ccc92c8-9815-4422-bddc-ceea181dc774";
        for id in [
            format!("8:orgid:{OID}"),
            format!("8:acs:{r}_0195f7a4-0000-7000-8000-000000000000"),
            format!("8:acs:{r}_{OID}_b27b64b9-39d2-44a3-869d-67700b74e805"),
            format!("8:acs:{r}_wf_{OID}_b27b64b9-39d2-44a3-869d-67700b74e805"),
        ] {
            let subject = Subject::parse(&id).unwrap();
            assert_eq!(subject.skype_id(), id["8:".len()..], "{id}");
        }
    }

    #[test]
    fn a_subject_is_an_identity_or_a_teams_user_by_its_prefix() {
        let teams = format!("8:orgid:{OID}");
        assert!(matches!(
            Subject::parse(&teams).unwrap(),
            Subject::TeamsUser(_)
        ));
        let acs = "8:acs:4ccc92c8-9815-4422-bddc-ceea181dc774_0195f7a4-0000-7000-8000-000000000000";
        let subject = Subject::parse(acs).unwrap();
        assert!(matches!(subject, Subject::Identity(_)));
        assert_eq!(subject.to_string(), acs);
        assert!(Subject::parse("8:teamsvisitor:x").is_err());
        let extension = "8:acs:4ccc92c8-9815-4422-bddc-ceea181dc774_c70d068c-2f32-484d-9455-73070cd5aadd_b27b64b9-39d2-44a3-869d-67700b74e805";
        let subject = Subject::parse(extension).unwrap();
        assert!(matches!(subject, Subject::Assigned(_)));
        assert_eq!(subject.to_string(), extension);
    }
}
