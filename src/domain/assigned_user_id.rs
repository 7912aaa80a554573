use super::{AssignmentKey, AssignmentKind, EntraId, Invalid, ResourceId};
use uuid::Uuid;

/// A Microsoft Entra principal that exchanged its token under an
/// assignment: no identity of this service, but an id in the resource's
/// namespace, made of the token's tenant and object id.
///
/// - Teams Phone extensibility: `8:acs:<resource id>_<tenant id>_<object id>`,
///   which the SDKs read as a `TeamsExtensionUserIdentifier`.
/// - Entra ID users: `8:acs:<resource id>_wf_<tenant id>_<object id>`, the
///   form of the specification's only example (the SDKs read it as a
///   communication user).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AssignedUserId {
    kind: AssignmentKind,
    resource: ResourceId,
    tenant: EntraId,
    object: EntraId,
}

const PREFIX: &str = "8:acs:";
const ENTRA_MARK: &str = "wf";

impl AssignedUserId {
    pub fn new(
        kind: AssignmentKind,
        resource: ResourceId,
        tenant: EntraId,
        object: EntraId,
    ) -> Self {
        AssignedUserId {
            kind,
            resource,
            tenant,
            object,
        }
    }

    /// Whether `value` has the shape of these ids rather than of an
    /// identity's (`8:acs:` and more than one `_`).
    pub fn is_shaped(value: &str) -> bool {
        value
            .strip_prefix(PREFIX)
            .is_some_and(|rest| rest.matches('_').count() > 1)
    }

    pub fn parse(value: &str) -> Result<Self, Invalid> {
        let malformed = || {
            Invalid::new(
                format!(
                    "Id '{}' is malformed; expected 8:acs:<resource id>_<tenant id>_<object id> \
                     or 8:acs:<resource id>_wf_<tenant id>_<object id>.",
                    super::quote(value)
                ),
                "id",
            )
        };
        let rest = value.strip_prefix(PREFIX).ok_or_else(malformed)?;
        let parts: Vec<&str> = rest.split('_').collect();
        let (kind, resource, tenant, object) = match parts.as_slice() {
            [r, t, o] => (AssignmentKind::TeamsExtension, r, t, o),
            [r, mark, t, o] if *mark == ENTRA_MARK => (AssignmentKind::EntraUser, r, t, o),
            _ => return Err(malformed()),
        };
        let resource = (resource.len() == 36)
            .then(|| Uuid::try_parse(resource).ok())
            .flatten()
            .ok_or_else(malformed)?;
        Ok(AssignedUserId {
            kind,
            resource: ResourceId::from_uuid(resource),
            tenant: EntraId::from_guid(tenant).ok_or_else(malformed)?,
            object: EntraId::from_guid(object).ok_or_else(malformed)?,
        })
    }

    pub fn kind(&self) -> AssignmentKind {
        self.kind
    }

    pub fn resource(&self) -> ResourceId {
        self.resource
    }

    pub fn tenant(&self) -> EntraId {
        self.tenant
    }

    pub fn object(&self) -> EntraId {
        self.object
    }

    /// The key of the assignment a token of this id was exchanged under:
    /// the id's own tenant and object for the Teams extension; for an
    /// Entra user, `via`, the object id the token names (`asg`: the user,
    /// a group or the tenant).
    pub fn assignment_key(&self, via: Option<EntraId>) -> Option<AssignmentKey> {
        match self.kind {
            AssignmentKind::TeamsExtension => {
                Some(AssignmentKey::teams_extension(self.tenant, self.object))
            }
            AssignmentKind::EntraUser => via.map(AssignmentKey::entra_user),
        }
    }

    /// The `skypeid` token claim: the id without its `8:` prefix.
    pub fn skype_id(&self) -> String {
        self.to_string()
            .strip_prefix("8:")
            .expect("the id starts with 8:")
            .to_owned()
    }
}

impl std::fmt::Display for AssignedUserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            AssignmentKind::TeamsExtension => {
                write!(
                    f,
                    "{PREFIX}{}_{}_{}",
                    self.resource, self.tenant, self.object
                )
            }
            AssignmentKind::EntraUser => write!(
                f,
                "{PREFIX}{}_{ENTRA_MARK}_{}_{}",
                self.resource, self.tenant, self.object
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESOURCE: &str = "2dee53b4-368b-45b4-ab52-8493fb117652";
    const TENANT: &str = "c70d068c-2f32-484d-9455-73070cd5aadd";
    const OBJECT: &str = "b27b64b9-39d2-44a3-869d-67700b74e805";

    #[test]
    fn the_specifications_example_ids_parse_and_print_back() {
        let teams = format!("8:acs:{RESOURCE}_{TENANT}_{OBJECT}");
        let id = AssignedUserId::parse(&teams).unwrap();
        assert_eq!(id.kind(), AssignmentKind::TeamsExtension);
        assert_eq!(id.tenant().to_string(), TENANT);
        assert_eq!(id.object().to_string(), OBJECT);
        assert_eq!(id.to_string(), teams);
        assert_eq!(id.skype_id(), teams[2..]);
        let entra = format!("8:acs:{RESOURCE}_wf_{TENANT}_{OBJECT}");
        let id = AssignedUserId::parse(&entra).unwrap();
        assert_eq!(id.kind(), AssignmentKind::EntraUser);
        assert_eq!(id.to_string(), entra);
        assert!(AssignedUserId::is_shaped(&entra) && AssignedUserId::is_shaped(&teams));
    }

    #[test]
    fn identities_and_other_shapes_are_not_assigned_user_ids() {
        let identity = format!("8:acs:{RESOURCE}_{OBJECT}");
        assert!(!AssignedUserId::is_shaped(&identity));
        for bad in [
            identity,
            format!("8:acs:{RESOURCE}_xx_{TENANT}_{OBJECT}"),
            format!("8:acs:{RESOURCE}_{TENANT}_{OBJECT}_{OBJECT}"),
            format!("8:acs:{RESOURCE}_{TENANT}_nope"),
            format!("8:orgid:{RESOURCE}_{TENANT}_{OBJECT}"),
        ] {
            assert_eq!(AssignedUserId::parse(&bad).unwrap_err().target, Some("id"));
        }
    }
}
