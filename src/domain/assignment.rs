//! Assignments: which Microsoft Entra principals may exchange their Entra
//! tokens for access tokens of a resource (Teams Phone extensibility and
//! Entra ID users), and for which client applications.

use super::{EntraId, Invalid};

/// Which exchange an assignment is for; each has its own keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssignmentKind {
    /// `/access/teamsExtension/tenants/{tenantId}/assignments/{objectId}`:
    /// one per tenant and object id.
    TeamsExtension,
    /// `/access/entra/assignments/{objectId}`: one per object id.
    EntraUser,
}

impl AssignmentKind {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentKind::TeamsExtension => "teams_extension",
            AssignmentKind::EntraUser => "entra_user",
        }
    }

    /// The principal types this kind of assignment takes, as the API names them.
    pub fn principal_types(self) -> &'static [PrincipalType] {
        match self {
            AssignmentKind::TeamsExtension => &[
                PrincipalType::User,
                PrincipalType::ResourceAccount,
                PrincipalType::TeamsResourceAccount,
            ],
            AssignmentKind::EntraUser => &[
                PrincipalType::User,
                PrincipalType::Group,
                PrincipalType::Tenant,
            ],
        }
    }
}

/// Whom an assignment is for. `resourceAccount` (the specification's name)
/// and `teamsResourceAccount` (the documentation's) are the same thing, a
/// Teams resource account; the spelling sent is the one kept and echoed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalType {
    User,
    ResourceAccount,
    TeamsResourceAccount,
    Group,
    Tenant,
}

impl PrincipalType {
    const ALL: [PrincipalType; 5] = [
        PrincipalType::User,
        PrincipalType::ResourceAccount,
        PrincipalType::TeamsResourceAccount,
        PrincipalType::Group,
        PrincipalType::Tenant,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalType::User => "user",
            PrincipalType::ResourceAccount => "resourceAccount",
            PrincipalType::TeamsResourceAccount => "teamsResourceAccount",
            PrincipalType::Group => "group",
            PrincipalType::Tenant => "tenant",
        }
    }

    /// One of the types `kind` takes, exactly as the API spells it.
    pub fn parse(kind: AssignmentKind, text: Option<&str>) -> Result<Self, Invalid> {
        let Some(text) = text else {
            return Err(Invalid::new(
                "PrincipalType: The PrincipalType field is required.",
                "principalType",
            ));
        };
        let allowed = kind.principal_types();
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == text && allowed.contains(p))
            .ok_or_else(|| {
                let names: Vec<&str> = allowed.iter().map(|p| p.as_str()).collect();
                Invalid::new(
                    format!(
                        "'{}' is not a valid principalType: use one of {}.",
                        super::quote(text),
                        names.join(", ")
                    ),
                    "principalType",
                )
            })
    }

    fn is_resource_account(self) -> bool {
        matches!(
            self,
            PrincipalType::ResourceAccount | PrincipalType::TeamsResourceAccount
        )
    }
}

/// What identifies an assignment within a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AssignmentKey {
    pub kind: AssignmentKind,
    /// The tenant of a Teams-extension assignment; `None` for Entra users,
    /// whose assignments are keyed by object id alone.
    pub tenant: Option<EntraId>,
    pub object: EntraId,
}

impl AssignmentKey {
    pub fn teams_extension(tenant: EntraId, object: EntraId) -> Self {
        AssignmentKey {
            kind: AssignmentKind::TeamsExtension,
            tenant: Some(tenant),
            object,
        }
    }

    pub fn entra_user(object: EntraId) -> Self {
        AssignmentKey {
            kind: AssignmentKind::EntraUser,
            tenant: None,
            object,
        }
    }
}

/// One assignment, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub kind: AssignmentKind,
    pub tenant_id: EntraId,
    pub object_id: EntraId,
    pub principal_type: PrincipalType,
    /// The applications through which the principal may exchange its
    /// tokens; `None` when not given (Teams extension only).
    pub client_ids: Option<Vec<EntraId>>,
}

impl Assignment {
    /// Checks what no schema says: an Entra assignment lists its client ids,
    /// and a `tenant` assignment's object is the tenant itself.
    pub fn new(
        kind: AssignmentKind,
        tenant_id: EntraId,
        object_id: EntraId,
        principal_type: PrincipalType,
        client_ids: Option<Vec<EntraId>>,
    ) -> Result<Self, Invalid> {
        if !kind.principal_types().contains(&principal_type) {
            return Err(PrincipalType::parse(kind, Some(principal_type.as_str())).unwrap_err());
        }
        if kind == AssignmentKind::EntraUser && client_ids.is_none() {
            return Err(Invalid::new(
                "ClientIds: The ClientIds field is required.",
                "clientIds",
            ));
        }
        if principal_type == PrincipalType::Tenant && object_id != tenant_id {
            return Err(Invalid::new(
                "A tenant assignment is for the tenant itself: its objectId must be its tenantId.",
                "objectId",
            ));
        }
        Ok(Assignment {
            kind,
            tenant_id,
            object_id,
            principal_type,
            client_ids,
        })
    }

    pub fn key(&self) -> AssignmentKey {
        match self.kind {
            AssignmentKind::TeamsExtension => {
                AssignmentKey::teams_extension(self.tenant_id, self.object_id)
            }
            AssignmentKind::EntraUser => AssignmentKey::entra_user(self.object_id),
        }
    }

    /// Whether this assignment lets `who` exchange a token: it is for the
    /// token's tenant and for its user (by object id), one of its groups
    /// or its whole tenant, and the token's application is one of the
    /// client ids. Without client ids only a resource account's tokens are
    /// admitted (the specification's "server consent" example has none);
    /// a user's assignment without them admits no application.
    pub fn admits(&self, who: &EntraPrincipal) -> bool {
        if self.tenant_id != who.tenant {
            return false;
        }
        let principal = match self.principal_type {
            PrincipalType::User
            | PrincipalType::ResourceAccount
            | PrincipalType::TeamsResourceAccount => self.object_id == who.object,
            PrincipalType::Group => who.groups.contains(&self.object_id),
            PrincipalType::Tenant => self.object_id == who.tenant,
        };
        let application = match (&self.client_ids, who.application) {
            (Some(ids), Some(app)) => ids.contains(&app),
            (Some(_), None) => false,
            (None, _) => self.principal_type.is_resource_account(),
        };
        principal && application
    }
}

/// The principal behind a validated Entra token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntraPrincipal {
    /// `tid`.
    pub tenant: EntraId,
    /// `oid`.
    pub object: EntraId,
    /// `groups`: the group object ids the token lists (none when Entra
    /// left them out, as it does past its limit).
    pub groups: Vec<EntraId>,
    /// `azp` or `appid`, when it is a GUID.
    pub application: Option<EntraId>,
}

/// Changes whenever an assignment is created or its content changes; a
/// token exchanged under it carries the value (`rev`), so that verification
/// can tell a token of a deleted or changed assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AssignmentVersion(i64);

impl AssignmentVersion {
    /// A random positive value: new assignments never reuse an old one's.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).expect("the operating system's random source failed");
        AssignmentVersion((i64::from_le_bytes(bytes) & i64::MAX).max(1))
    }

    pub fn from_i64(value: i64) -> Self {
        AssignmentVersion(value)
    }

    pub fn as_i64(self) -> i64 {
        self.0
    }
}

/// An assignment as stored, with its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAssignment {
    pub assignment: Assignment,
    pub version: AssignmentVersion,
}

/// `clientIds` as sent: each a GUID, repeats dropped, order kept.
pub fn parse_client_ids(ids: Option<Vec<String>>) -> Result<Option<Vec<EntraId>>, Invalid> {
    let Some(ids) = ids else {
        return Ok(None);
    };
    let mut out: Vec<EntraId> = Vec::with_capacity(ids.len());
    for id in &ids {
        let id = EntraId::parse(id, "clientIds")?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(Some(out))
}

#[cfg(test)]
#[path = "assignment_tests.rs"]
mod tests;
