//! The Entra-user assignments (2025-03-02-preview): get, put and delete by
//! object id, the list in pages, and the bulk merge patch.

use crate::api::entra_issuer::*;
use crate::api::passthrough::front_and_upstream;
use crate::common::app::*;
use reqwest::Method;
use serde_json::{Value, json};

const GROUP: &str = "fd63f3cb-3731-4d15-8e47-9d062aba58c5";

fn one(object: &str) -> String {
    format!("/access/entra/assignments/{object}?{PREVIEW}")
}

fn all() -> String {
    format!("/access/entra/assignments?{PREVIEW}")
}

fn assignment(object: &str, principal_type: &str) -> Value {
    let mut a = entra_body(principal_type);
    a["objectId"] = json!(object);
    a
}

#[tokio::test]
async fn an_assignment_is_put_got_and_deleted_by_object_id() {
    let app = spawn_app().await;
    let r = put_entra(&app, OID, entra_body("user")).await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.json::<Value>().await.unwrap(), assignment(OID, "user"));
    assert_eq!(put_entra(&app, OID, entra_body("user")).await.status(), 200);
    let got: Value = app
        .signed(Method::GET, &one(OID), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got, assignment(OID, "user"));
    assert_eq!(
        app.signed(Method::DELETE, &one(OID), None).await.status(),
        204
    );
    let e = error_of(app.signed(Method::GET, &one(OID), None).await, 404).await;
    assert_eq!(e["code"], "AssignmentNotFound");
}

#[tokio::test]
async fn every_member_of_an_entra_assignment_is_required_and_checked() {
    let app = spawn_app().await;
    for (body, target) in [
        (
            json!({"principalType": "user", "clientIds": [APP_ID]}),
            "tenantId",
        ),
        (
            json!({"tenantId": TENANT, "clientIds": [APP_ID]}),
            "principalType",
        ),
        (
            json!({"tenantId": TENANT, "principalType": "user"}),
            "clientIds",
        ),
        (
            json!({"tenantId": TENANT, "principalType": "teamsResourceAccount", "clientIds": []}),
            "principalType",
        ),
        (
            json!({"tenantId": TENANT, "principalType": "tenant", "clientIds": []}),
            "objectId",
        ),
        (
            json!({"tenantId": "x", "principalType": "user", "clientIds": []}),
            "tenantId",
        ),
    ] {
        let e = error_of(put_entra(&app, OID, body.clone()).await, 400).await;
        assert_eq!(e["target"], target, "{body}: {e}");
    }
    let stable = format!("/access/entra/assignments/{OID}?{STABLE}");
    let r = app
        .signed(Method::PUT, &stable, Some(entra_body("user")))
        .await;
    assert_eq!(error_of(r, 400).await["code"], "UnsupportedApiVersion");
}

#[tokio::test]
async fn the_list_comes_in_pages_whose_next_link_the_client_follows() {
    let app = spawn_app().await;
    let mut patch = serde_json::Map::new();
    let mut objects: Vec<String> = (0..5).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    for object in &objects {
        patch.insert(object.clone(), entra_body("user"));
    }
    let r = app.signed_merge_patch(&all(), Value::Object(patch)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap()["value"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    objects.sort();
    let mut seen = Vec::new();
    let mut next = Some(format!(
        "{}?{PREVIEW}&maxpagesize=2",
        all().split('?').next().unwrap()
    ));
    while let Some(path) = next {
        let page: Value = app
            .signed(Method::GET, &path, None)
            .await
            .json()
            .await
            .unwrap();
        let value = page["value"].as_array().unwrap();
        assert!(value.len() <= 2, "{page}");
        seen.extend(
            value
                .iter()
                .map(|a| a["objectId"].as_str().unwrap().to_owned()),
        );
        next = page["nextLink"].as_str().map(|link| {
            link.strip_prefix(&app.base)
                .expect("a link to this server")
                .to_owned()
        });
    }
    assert_eq!(seen, objects, "every assignment once, in object id order");
    let whole: Value = app
        .signed(Method::GET, &all(), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(whole["value"].as_array().unwrap().len(), 5);
    assert!(whole.get("nextLink").is_none(), "{whole}");
    let e = error_of(
        app.signed(Method::GET, &format!("{}&maxpagesize=0", all()), None)
            .await,
        400,
    )
    .await;
    assert_eq!(e["target"], "maxpagesize");
}

#[tokio::test]
async fn a_merge_patch_sets_and_removes_in_one_request_or_not_at_all() {
    let app = spawn_app().await;
    put_entra(&app, OID, entra_body("user")).await;
    let r = app
        .signed_merge_patch(&all(), json!({ OID: null, GROUP: entra_body("group") }))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"value": [assignment(GROUP, "group")]})
    );
    assert_eq!(app.signed(Method::GET, &one(OID), None).await.status(), 404);
    // One bad member, and nothing is applied.
    let r = app
        .signed_merge_patch(
            &all(),
            json!({ GROUP: null, OID: {"tenantId": TENANT, "principalType": "user"} }),
        )
        .await;
    let e = error_of(r, 400).await;
    assert_eq!(e["target"], "clientIds");
    assert!(e["message"].as_str().unwrap().starts_with(OID), "{e}");
    assert_eq!(
        app.signed(Method::GET, &one(GROUP), None).await.status(),
        200
    );
    for bad in [json!({"me": null}), json!([]), json!({ OID: 1 })] {
        let r = app.signed_merge_patch(&all(), bad.clone()).await;
        assert_eq!(error_of(r, 400).await["code"], "ValidationError", "{bad}");
    }
    let twice = format!(r#"{{"{OID}": null, "{}": null}}"#, OID.to_uppercase());
    let r = app
        .signed_patch(
            &all(),
            serde_json::from_str(&twice).unwrap(),
            "application/merge-patch+json",
        )
        .await;
    assert_eq!(error_of(r, 400).await["target"], "objectId");
}

#[tokio::test]
async fn a_bulk_update_must_be_a_merge_patch() {
    let app = spawn_app().await;
    let r = app
        .signed_patch(&all(), json!({}), "application/json")
        .await;
    let e = error_of(r, 415).await;
    assert_eq!(e["code"], "UnsupportedMediaType");
    let r = app
        .signed_patch(
            &all(),
            json!({}),
            "application/merge-patch+json; charset=utf-8",
        )
        .await;
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"value": []}));
}

#[tokio::test]
async fn a_merge_patch_is_forwarded_as_one() {
    let (front, upstream) = front_and_upstream().await;
    let cs = upstream.connection_string.clone();
    let r = front
        .http
        .patch(format!("{}{}", front.local, all()))
        .header("Connection-String", &cs)
        .header("content-type", "application/merge-patch+json")
        .body(json!({ GROUP: entra_body("group") }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        upstream
            .signed(Method::GET, &one(GROUP), None)
            .await
            .status(),
        200
    );
    assert_eq!(
        front.signed(Method::GET, &one(GROUP), None).await.status(),
        404
    );
}
