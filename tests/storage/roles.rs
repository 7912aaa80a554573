//! Role grants: granted once, listed, revoked, kept apart by resource,
//! issuer, principal and role.

use crate::resource;
use commid::domain::{Principal, Role, RoleGrant};
use commid::storage::Store;
use std::sync::Arc;

fn grant(issuer: &str, principal: &str, role: Role) -> RoleGrant {
    RoleGrant {
        issuer: issuer.into(),
        principal: Principal::parse(principal).unwrap(),
        role,
    }
}

pub async fn roles_are_granted_once_listed_and_revoked(store: Arc<dyn Store>) {
    let (a, b) = (resource("a"), resource("b"));
    store.insert_resource(a.clone()).await.unwrap();
    store.insert_resource(b.clone()).await.unwrap();
    let iss = "https://issuer.example/";
    let owner = grant(iss, "oid:0b9b9d4e-7a3c-4c4e-9d1e-4f5a6b7c8d01", Role::Owner);
    let reader = grant(
        iss,
        "oid:0b9b9d4e-7a3c-4c4e-9d1e-4f5a6b7c8d01",
        Role::Reader,
    );
    let other_issuer = grant("https://other.example/", "sub:backend", Role::Issuer);
    assert!(store.grant_role(a.id, owner.clone()).await.unwrap());
    assert!(
        !store.grant_role(a.id, owner.clone()).await.unwrap(),
        "twice"
    );
    assert!(store.grant_role(a.id, reader.clone()).await.unwrap());
    assert!(store.grant_role(b.id, other_issuer.clone()).await.unwrap());
    let mut listed = store.role_grants().await.unwrap();
    listed.sort();
    let mut expected = vec![
        (a.id, owner.clone()),
        (a.id, reader.clone()),
        (b.id, other_issuer.clone()),
    ];
    expected.sort();
    assert_eq!(listed, expected);

    assert!(store.revoke_role(a.id, owner.clone()).await.unwrap());
    assert!(
        !store.revoke_role(a.id, owner).await.unwrap(),
        "not held any more"
    );
    assert!(
        !store.revoke_role(a.id, other_issuer).await.unwrap(),
        "another resource's"
    );
    let left: Vec<_> = store.role_grants().await.unwrap();
    assert_eq!(left.len(), 2);
    assert!(left.contains(&(a.id, reader)));
}

pub async fn the_feed_records_who_made_each_change(store: Arc<dyn Store>) {
    use commid::storage::EventsRead;
    let r = crate::with_resource(&*store).await;
    let start = store.feed_end().await.unwrap();
    let mut new = crate::new_identity(&r, None);
    new.actor = Some("key:secondary".into());
    let id = new.id;
    store.create_identity(new).await.unwrap();
    let who = "oid:0b9b9d4e-7a3c-4c4e-9d1e-4f5a6b7c8d01@https://issuer.example/";
    store.revoke_tokens_by(id, Some(who.into())).await.unwrap();
    store.delete_identity(id).await.unwrap();
    let EventsRead::Events(events) = store.identity_events(r.id, start, 10).await.unwrap() else {
        panic!("expired")
    };
    let actors: Vec<Option<&str>> = events.iter().map(|e| e.actor.as_deref()).collect();
    assert_eq!(actors, [Some("key:secondary"), Some(who), None]);
}
