//! The storage suite's assignment cases (Teams Phone extensibility and
//! Entra ID users), run against every backend like the rest.

use commid::domain::{
    Assignment, AssignmentKey, AssignmentKind, AssignmentVersion, EntraId, PrincipalType, Resource,
};
use commid::storage::{AssignmentChange, Put, Store};
use std::sync::Arc;

const TENANT: &str = "c70d068c-2f32-484d-9455-73070cd5aadd";
const OTHER_TENANT: &str = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";
const USER: &str = "b27b64b9-39d2-44a3-869d-67700b74e805";
const GROUP: &str = "fd63f3cb-3731-4d15-8e47-9d062aba58c5";
const APP: &str = "617d08b5-f35b-4270-87d6-56833d2dee1b";

fn id(text: &str) -> EntraId {
    EntraId::from_guid(text).unwrap()
}

fn teams(tenant: &str, object: &str, apps: Option<&[&str]>) -> Assignment {
    let apps = apps.map(|a| a.iter().map(|c| id(c)).collect());
    Assignment::new(
        AssignmentKind::TeamsExtension,
        id(tenant),
        id(object),
        PrincipalType::User,
        apps,
    )
    .unwrap()
}

fn entra(object: &str, principal_type: PrincipalType) -> Assignment {
    let tenant = if principal_type == PrincipalType::Tenant {
        object
    } else {
        TENANT
    };
    Assignment::new(
        AssignmentKind::EntraUser,
        id(tenant),
        id(object),
        principal_type,
        Some(vec![id(APP)]),
    )
    .unwrap()
}

async fn with_resource(store: &dyn Store, name: &str) -> Resource {
    let r = crate::resource(name);
    store.insert_resource(r.clone()).await.unwrap();
    r
}

pub async fn an_assignment_is_put_read_back_and_deleted(store: Arc<dyn Store>) {
    let r = with_resource(&*store, "default").await;
    let a = teams(TENANT, USER, Some(&[APP]));
    let v = AssignmentVersion::generate();
    let Put::Created(created) = store.put_assignment(r.id, a.clone(), v).await.unwrap() else {
        panic!("not created")
    };
    assert_eq!(
        (created.assignment.clone(), created.version),
        (a.clone(), v)
    );
    assert_eq!(
        store.assignment(r.id, a.key()).await.unwrap(),
        Some(created)
    );
    assert!(store.delete_assignment(r.id, a.key()).await.unwrap());
    assert_eq!(store.assignment(r.id, a.key()).await.unwrap(), None);
    assert!(!store.delete_assignment(r.id, a.key()).await.unwrap());
}

pub async fn replacing_an_assignment_keeps_its_version_unless_it_changes(store: Arc<dyn Store>) {
    let r = with_resource(&*store, "default").await;
    let a = teams(TENANT, USER, None);
    let first = AssignmentVersion::generate();
    store.put_assignment(r.id, a.clone(), first).await.unwrap();
    let same = store
        .put_assignment(r.id, a.clone(), AssignmentVersion::generate())
        .await
        .unwrap();
    let Put::Replaced(same) = same else {
        panic!("not replaced")
    };
    assert_eq!(same.version, first, "an identical put keeps the version");
    let changed = teams(TENANT, USER, Some(&[APP]));
    let second = AssignmentVersion::generate();
    let Put::Replaced(replaced) = store
        .put_assignment(r.id, changed.clone(), second)
        .await
        .unwrap()
    else {
        panic!("not replaced")
    };
    assert_eq!(
        (replaced.assignment, replaced.version),
        (changed.clone(), second)
    );
    let stored = store
        .assignment(r.id, changed.key())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, second);
}

pub async fn assignments_are_kept_apart_by_resource_kind_and_tenant(store: Arc<dyn Store>) {
    let (r, other) = (
        with_resource(&*store, "default").await,
        with_resource(&*store, "other").await,
    );
    let here = teams(TENANT, USER, None);
    let v = AssignmentVersion::generate();
    store.put_assignment(r.id, here.clone(), v).await.unwrap();
    for key in [
        AssignmentKey::teams_extension(id(OTHER_TENANT), id(USER)),
        AssignmentKey::entra_user(id(USER)),
    ] {
        assert_eq!(store.assignment(r.id, key).await.unwrap(), None, "{key:?}");
    }
    assert_eq!(store.assignment(other.id, here.key()).await.unwrap(), None);
    let entra_user = entra(USER, PrincipalType::User);
    let Put::Created(_) = store
        .put_assignment(r.id, entra_user.clone(), v)
        .await
        .unwrap()
    else {
        panic!("the same object id in the other kind is another assignment")
    };
    assert!(
        store
            .delete_assignment(r.id, entra_user.key())
            .await
            .unwrap()
    );
    assert!(store.assignment(r.id, here.key()).await.unwrap().is_some());
}

pub async fn entra_assignments_are_listed_in_pages_in_object_id_order(store: Arc<dyn Store>) {
    let r = with_resource(&*store, "default").await;
    let mut objects: Vec<String> = (0..5).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    for object in &objects {
        let a = entra(object, PrincipalType::User);
        store
            .put_assignment(r.id, a, AssignmentVersion::generate())
            .await
            .unwrap();
    }
    store
        .put_assignment(
            r.id,
            teams(TENANT, USER, None),
            AssignmentVersion::generate(),
        )
        .await
        .unwrap();
    objects.sort();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .assignments(r.id, AssignmentKind::EntraUser, after, 2)
            .await
            .unwrap();
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after = Some(last.assignment.key());
        seen.extend(page.iter().map(|s| s.assignment.object_id.to_string()));
    }
    assert_eq!(seen, objects);
}

pub async fn a_bulk_update_sets_and_removes_and_returns_what_it_set(store: Arc<dyn Store>) {
    let r = with_resource(&*store, "default").await;
    let old = entra(USER, PrincipalType::User);
    store
        .put_assignment(r.id, old.clone(), AssignmentVersion::generate())
        .await
        .unwrap();
    let (group, tenant) = (
        entra(GROUP, PrincipalType::Group),
        entra(TENANT, PrincipalType::Tenant),
    );
    let v = AssignmentVersion::generate();
    let set = store
        .update_assignments(
            r.id,
            vec![
                AssignmentChange::Set(group.clone(), v),
                AssignmentChange::Remove(old.key()),
                AssignmentChange::Set(tenant.clone(), v),
            ],
        )
        .await
        .unwrap();
    let set: Vec<Assignment> = set.into_iter().map(|s| s.assignment).collect();
    assert_eq!(set, vec![group.clone(), tenant.clone()]);
    assert_eq!(store.assignment(r.id, old.key()).await.unwrap(), None);
    let found = store
        .assignments_for(
            r.id,
            AssignmentKind::EntraUser,
            &[id(USER), id(GROUP), id(TENANT)],
        )
        .await
        .unwrap();
    let mut found: Vec<String> = found
        .into_iter()
        .map(|s| s.assignment.object_id.to_string())
        .collect();
    found.sort();
    let mut expected = vec![GROUP.to_owned(), TENANT.to_owned()];
    expected.sort();
    assert_eq!(found, expected);
}
