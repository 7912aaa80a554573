//! Roles on a resource and who holds them: the principals a trusted
//! issuer's tokens name (an Entra object, application, group or app role,
//! or any issuer's subject), and who made a request (its actor).

use super::{Invalid, KeySlot};

/// What a principal may do on a resource. A key means `Owner`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Every operation.
    Owner,
    /// What a token-vending backend needs: create an identity, issue a
    /// token, get one, find one by custom id.
    Issuer,
    /// Read only: get, list, count, the change feed, the triggers, verify.
    Reader,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Issuer, Role::Reader];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Issuer => "issuer",
            Role::Reader => "reader",
        }
    }

    pub fn parse(text: &str) -> Result<Role, Invalid> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == text)
            .ok_or_else(|| {
                Invalid::new(
                    format!(
                        "'{}' is not a role: use owner, issuer or reader.",
                        super::quote(text)
                    ),
                    "role",
                )
            })
    }
}

/// Which claim of a token names the principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalKind {
    /// `oid`: an Entra user's, service principal's or managed identity's object id.
    Object,
    /// `azp` or `appid`: the client application.
    Application,
    /// One of `groups`.
    Group,
    /// One of `roles`: an app role the principal was given.
    AppRole,
    /// `sub`: any issuer's subject.
    Subject,
}

impl PrincipalKind {
    pub const ALL: [PrincipalKind; 5] = [
        PrincipalKind::Object,
        PrincipalKind::Application,
        PrincipalKind::Group,
        PrincipalKind::AppRole,
        PrincipalKind::Subject,
    ];

    /// The prefix a principal is written with: `oid:…`.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Object => "oid",
            PrincipalKind::Application => "app",
            PrincipalKind::Group => "group",
            PrincipalKind::AppRole => "role",
            PrincipalKind::Subject => "sub",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A principal of an issuer's tokens, as a claim names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Principal {
    pub kind: PrincipalKind,
    id: String,
}

const MAX_PRINCIPAL_ID: usize = 256;

impl Principal {
    /// A claim's value: 1 to 256 characters without control characters; a
    /// GUID (Entra's ids) is kept lowercase, so that any case matches.
    pub fn new(kind: PrincipalKind, id: &str) -> Result<Self, Invalid> {
        let bad = |why: &str| {
            Invalid::new(
                format!(
                    "'{}' is not a principal id: {why}.",
                    super::quote_at_most(id, 64)
                ),
                "principal",
            )
        };
        if id.is_empty() || id.chars().count() > MAX_PRINCIPAL_ID {
            return Err(bad("it must have 1 to 256 characters"));
        }
        if id.chars().any(char::is_control) {
            return Err(bad("it has a control character"));
        }
        let id = match uuid::Uuid::try_parse(id) {
            Ok(guid) => guid.hyphenated().to_string(),
            Err(_) => id.to_owned(),
        };
        Ok(Principal { kind, id })
    }

    /// `oid:<guid>`, `app:<id>`, `group:<guid>`, `role:<name>` or `sub:<value>`.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let (kind, id) = text
            .split_once(':')
            .and_then(|(k, id)| Some((PrincipalKind::parse(k)?, id)))
            .ok_or_else(|| {
                Invalid::new(
                    format!(
                        "'{}' is not a principal: write oid:<object id>, app:<application id>, \
                         group:<group id>, role:<app role> or sub:<subject>.",
                        super::quote_at_most(text, 64)
                    ),
                    "principal",
                )
            })?;
        Principal::new(kind, id)
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}

impl std::fmt::Display for Principal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.id)
    }
}

/// A role a principal of an issuer holds on a resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoleGrant {
    /// The exact `iss` of the principal's tokens.
    pub issuer: String,
    pub principal: Principal,
    pub role: Role,
}

/// Who made a request: a key of the resource, or a principal of a trusted
/// issuer. Never a secret: the key's slot, or the issuer and the
/// principal's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Key(KeySlot),
    Principal {
        issuer: String,
        principal: Principal,
    },
}

impl std::fmt::Display for Actor {
    /// `key:primary`, `key:secondary`, or `<principal>@<issuer>`
    /// (`oid:…@https://login.microsoftonline.com/…/v2.0`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::Key(KeySlot::Primary) => f.write_str("key:primary"),
            Actor::Key(KeySlot::Secondary) => f.write_str("key:secondary"),
            Actor::Principal { issuer, principal } => write!(f, "{principal}@{issuer}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals_are_written_kind_colon_id_and_guids_in_lowercase() {
        let p = Principal::parse("oid:2C3E1E83-8FD7-4615-AD2B-B8C1229845AC").unwrap();
        assert_eq!(p.kind, PrincipalKind::Object);
        assert_eq!(p.to_string(), "oid:2c3e1e83-8fd7-4615-ad2b-b8c1229845ac");
        let sub = Principal::parse("sub:service-account-backend").unwrap();
        assert_eq!(sub.id(), "service-account-backend");
        assert_eq!(
            Principal::parse("role:Commid.Issuer").unwrap().kind,
            PrincipalKind::AppRole
        );
        for bad in ["nokind", "user:x", "oid:", "sub:a\nb"] {
            assert!(Principal::parse(bad).is_err(), "{bad}");
        }
        let long = format!("sub:{}", "x".repeat(257));
        assert!(Principal::parse(&long).is_err());
    }

    #[test]
    fn an_actor_names_the_key_slot_or_the_principal_and_its_issuer_never_a_secret() {
        assert_eq!(Actor::Key(KeySlot::Primary).to_string(), "key:primary");
        assert_eq!(Actor::Key(KeySlot::Secondary).to_string(), "key:secondary");
        let actor = Actor::Principal {
            issuer: "https://issuer.example/".into(),
            principal: Principal::parse("sub:backend").unwrap(),
        };
        assert_eq!(actor.to_string(), "sub:backend@https://issuer.example/");
    }

    #[test]
    fn roles_are_read_by_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        assert!(Role::parse("admin").is_err());
    }
}
