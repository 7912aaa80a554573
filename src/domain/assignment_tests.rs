use super::*;

const TENANT: &str = "c70d068c-2f32-484d-9455-73070cd5aadd";
const USER: &str = "b27b64b9-39d2-44a3-869d-67700b74e805";
const GROUP: &str = "fd63f3cb-3731-4d15-8e47-9d062aba58c5";
const APP: &str = "617d08b5-f35b-4270-87d6-56833d2dee1b";
const OTHER: &str = "6fd0ee0c-6a18-4bd5-a4b9-8b3b2b0e4d21";

fn id(text: &str) -> EntraId {
    EntraId::from_guid(text).unwrap()
}

fn principal(app: Option<&str>) -> EntraPrincipal {
    EntraPrincipal {
        tenant: id(TENANT),
        object: id(USER),
        groups: vec![id(GROUP)],
        application: app.map(id),
    }
}

fn assignment(
    kind: AssignmentKind,
    object: &str,
    principal_type: PrincipalType,
    client_ids: Option<&[&str]>,
) -> Assignment {
    let client_ids = client_ids.map(|ids| ids.iter().map(|c| id(c)).collect());
    Assignment::new(kind, id(TENANT), id(object), principal_type, client_ids).unwrap()
}

#[test]
fn both_spellings_of_a_resource_account_are_teams_extension_principal_types() {
    let kind = AssignmentKind::TeamsExtension;
    for text in ["user", "resourceAccount", "teamsResourceAccount"] {
        assert_eq!(
            PrincipalType::parse(kind, Some(text)).unwrap().as_str(),
            text
        );
    }
    for text in ["group", "tenant", "User", ""] {
        let err = PrincipalType::parse(kind, Some(text)).unwrap_err();
        assert_eq!(err.target, Some("principalType"));
        assert!(
            err.message
                .ends_with("use one of user, resourceAccount, teamsResourceAccount."),
            "{err}"
        );
    }
    let missing = PrincipalType::parse(kind, None).unwrap_err();
    assert_eq!(
        missing.message,
        "PrincipalType: The PrincipalType field is required."
    );
}

#[test]
fn entra_assignments_are_for_users_groups_or_tenants_and_list_client_ids() {
    let kind = AssignmentKind::EntraUser;
    for text in ["user", "group", "tenant"] {
        assert!(PrincipalType::parse(kind, Some(text)).is_ok(), "{text}");
    }
    assert!(PrincipalType::parse(kind, Some("teamsResourceAccount")).is_err());
    let without = Assignment::new(kind, id(TENANT), id(USER), PrincipalType::User, None);
    assert_eq!(without.unwrap_err().target, Some("clientIds"));
    let not_the_tenant = Assignment::new(
        kind,
        id(TENANT),
        id(USER),
        PrincipalType::Tenant,
        Some(vec![]),
    );
    assert_eq!(not_the_tenant.unwrap_err().target, Some("objectId"));
}

#[test]
fn a_user_assignment_admits_its_user_through_its_applications_only() {
    let a = assignment(
        AssignmentKind::TeamsExtension,
        USER,
        PrincipalType::User,
        Some(&[APP]),
    );
    assert!(a.admits(&principal(Some(APP))));
    assert!(!a.admits(&principal(Some(OTHER))));
    assert!(!a.admits(&principal(None)));
    let mut stranger = principal(Some(APP));
    stranger.object = id(OTHER);
    assert!(!a.admits(&stranger));
    let mut other_tenant = principal(Some(APP));
    other_tenant.tenant = id(OTHER);
    assert!(!a.admits(&other_tenant));
    let no_apps = assignment(
        AssignmentKind::TeamsExtension,
        USER,
        PrincipalType::User,
        None,
    );
    assert!(!no_apps.admits(&principal(Some(APP))));
}

#[test]
fn a_resource_account_without_client_ids_admits_any_application() {
    for p in [
        PrincipalType::ResourceAccount,
        PrincipalType::TeamsResourceAccount,
    ] {
        let a = assignment(AssignmentKind::TeamsExtension, USER, p, None);
        assert!(a.admits(&principal(Some(OTHER))));
        assert!(a.admits(&principal(None)));
    }
}

#[test]
fn group_and_tenant_assignments_admit_members_and_the_tenants_users() {
    let group = assignment(
        AssignmentKind::EntraUser,
        GROUP,
        PrincipalType::Group,
        Some(&[APP]),
    );
    assert!(group.admits(&principal(Some(APP))));
    let mut outsider = principal(Some(APP));
    outsider.groups.clear();
    assert!(!group.admits(&outsider));
    let tenant = assignment(
        AssignmentKind::EntraUser,
        TENANT,
        PrincipalType::Tenant,
        Some(&[APP]),
    );
    assert!(tenant.admits(&outsider));
    assert!(!tenant.admits(&principal(Some(OTHER))));
    // A user's assignment is not matched through a group of the same id.
    let user = assignment(
        AssignmentKind::EntraUser,
        GROUP,
        PrincipalType::User,
        Some(&[APP]),
    );
    assert!(!user.admits(&principal(Some(APP))));
}

#[test]
fn client_ids_must_be_guids_and_repeats_are_dropped() {
    let ids = parse_client_ids(Some(vec![APP.to_uppercase(), APP.into(), OTHER.into()]))
        .unwrap()
        .unwrap();
    assert_eq!(ids, vec![id(APP), id(OTHER)]);
    let err = parse_client_ids(Some(vec!["my-app".into()])).unwrap_err();
    assert_eq!(err.target, Some("clientIds"));
    assert_eq!(parse_client_ids(None).unwrap(), None);
}

#[test]
fn versions_are_random_and_positive() {
    let (a, b) = (AssignmentVersion::generate(), AssignmentVersion::generate());
    assert_ne!(a, b);
    assert!(a.as_i64() > 0 && b.as_i64() > 0);
}
