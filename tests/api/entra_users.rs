//! `POST /access/entra/:exchangeAccessToken`: an Entra user's token
//! exchanged under the user's, a group's or the tenant's assignment, with
//! the scopes of the permissions granted.

use crate::api::entra_issuer::*;
use crate::common::app::*;
use reqwest::Method;
use serde_json::json;

const GROUP: &str = "fd63f3cb-3731-4d15-8e47-9d062aba58c5";

async fn setup() -> (Key, JwksServer, TestApp) {
    let key = Key::ec("ec-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_trusting_all(for_every_exchange(&jwks)).await;
    (key, jwks, app)
}

#[tokio::test]
async fn a_users_token_is_exchanged_for_a_wf_identity_with_the_scopes_of_its_permissions() {
    let (key, _jwks, app) = setup().await;
    assert_eq!(put_entra(&app, OID, entra_body("user")).await.status(), 201);
    let entra = entra_claims();
    let (token, id) = exchanged(exchange_entra(&app, &key.mint(&entra)).await).await;
    let ours = payload(&token);
    let resource = ours["resourceId"].as_str().unwrap();
    assert_eq!(id, format!("8:acs:{resource}_wf_{TENANT}_{OID}"));
    assert_eq!(ours["sub"], id);
    assert_eq!(ours["asg"], OID);
    assert_eq!(ours["acsScope"], "chat,voip");
    assert_eq!(ours["exp"], entra["exp"]);
    let verdict = app.verify(&token).await;
    assert_eq!(verdict["valid"], true, "{verdict}");
    assert_eq!(verdict["identity"]["id"], id);
    assert_eq!(verdict["scopes"], json!(["chat", "voip"]));
}

#[tokio::test]
async fn every_clients_permission_maps_to_its_scope_written_short_or_with_the_audience() {
    let (key, _jwks, app) = setup().await;
    put_entra(&app, OID, entra_body("user")).await;
    let mut entra = entra_claims();
    entra["scp"] = json!(format!(
        "Chat.Join {ENTRA_AUDIENCE}/Chat.Join.Limited VoIP.Join User.Read"
    ));
    let (token, _) = exchanged(exchange_entra(&app, &key.mint(&entra)).await).await;
    assert_eq!(
        payload(&token)["acsScope"],
        "chat.join,chat.join.limited,voip.join"
    );
}

#[tokio::test]
async fn group_members_and_a_tenants_users_are_admitted_by_their_assignments() {
    let (key, _jwks, app) = setup().await;
    let mut member = entra_claims();
    member["groups"] = json!(["not-a-guid", GROUP]);
    let token = key.mint(&member);
    assert_eq!(exchange_entra(&app, &token).await.status(), 401);
    put_entra(&app, GROUP, entra_body("group")).await;
    let (by_group, id) = exchanged(exchange_entra(&app, &token).await).await;
    assert!(id.ends_with(&format!("_wf_{TENANT}_{OID}")), "{id}");
    assert_eq!(payload(&by_group)["asg"], GROUP);
    // Without the group in the token, only a tenant assignment admits it.
    let outsider = key.mint(&entra_claims());
    assert_eq!(exchange_entra(&app, &outsider).await.status(), 401);
    assert_eq!(
        put_entra(&app, TENANT, entra_body("tenant")).await.status(),
        201
    );
    let (by_tenant, _) = exchanged(exchange_entra(&app, &outsider).await).await;
    assert_eq!(payload(&by_tenant)["asg"], TENANT);
    // Removing the group's assignment revokes what it admitted, not the tenant's.
    let path = format!("/access/entra/assignments/{GROUP}?{PREVIEW}");
    assert_eq!(app.signed(Method::DELETE, &path, None).await.status(), 204);
    assert_eq!(app.verify(&by_group).await["reason"], "revoked");
    assert_eq!(app.verify(&by_tenant).await["valid"], true);
}

#[tokio::test]
async fn an_assignment_admits_only_its_client_ids_and_its_tenant() {
    let (key, _jwks, app) = setup().await;
    let token = key.mint(&entra_claims());
    let mut other_app = entra_body("user");
    other_app["clientIds"] = json!([OTHER]);
    put_entra(&app, OID, other_app).await;
    assert_eq!(exchange_entra(&app, &token).await.status(), 401);
    let mut other_tenant = entra_body("user");
    other_tenant["tenantId"] = json!(OTHER);
    put_entra(&app, OID, other_tenant).await;
    assert_eq!(exchange_entra(&app, &token).await.status(), 401);
    put_entra(&app, OID, entra_body("user")).await;
    exchanged(exchange_entra(&app, &token).await).await;
}

#[tokio::test]
async fn entra_users_are_only_in_the_preview_and_answer_at_a_double_slash_too() {
    let (key, _jwks, app) = setup().await;
    put_entra(&app, OID, entra_body("user")).await;
    let token = key.mint(&entra_claims());
    let path = "/access/entra/:exchangeAccessToken?api-version=2025-06-30";
    let e = error_of(bearer(&app, path, &token).await, 400).await;
    assert_eq!(e["code"], "UnsupportedApiVersion");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .ends_with("Use one of: 2025-03-02-preview."),
        "{e}"
    );
    let path = format!("//access/entra/:exchangeAccessToken?{PREVIEW}");
    exchanged(bearer(&app, &path, &token).await).await;
}

#[tokio::test]
async fn a_bulk_update_that_removes_the_assignment_revokes_its_tokens() {
    let (key, _jwks, app) = setup().await;
    put_entra(&app, OID, entra_body("user")).await;
    let (token, _) = exchanged(exchange_entra(&app, &key.mint(&entra_claims())).await).await;
    let r = app
        .signed_merge_patch(
            &format!("/access/entra/assignments?{PREVIEW}"),
            json!({ OID: null }),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.verify(&token).await["reason"], "revoked");
}
