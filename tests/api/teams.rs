//! `POST /teamsUser/:exchangeAccessToken`: what is exchanged, for whom,
//! until when, and the request errors of WIRE.md.

use crate::api::teams_issuer::*;
use crate::common::app::*;
use reqwest::Method;
use serde_json::{Value, json};

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

async fn exchanged(app: &TestApp, token: &str) -> Value {
    let r = exchange(app, request(token)).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    r.json().await.unwrap()
}

#[tokio::test]
async fn an_rs256_entra_token_is_exchanged_for_a_teams_user_token_that_verify_accepts() {
    let key = Key::rsa("rsa-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_trusting(jwks.entry()).await;
    let entra = claims();
    let r = exchange(&app, request(&key.mint(&entra))).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    let token = body["token"].as_str().unwrap();
    let ours = payload(token);
    assert_eq!(ours["sub"], format!("8:orgid:{OID}"));
    assert_eq!(ours["skypeid"], format!("orgid:{OID}"));
    assert_eq!(ours["acsScope"], "chat,voip");
    assert_eq!(ours["exp"], entra["exp"]);
    let verdict = app.verify(token).await;
    assert_eq!(verdict["valid"], true, "{verdict}");
    assert_eq!(verdict["identity"]["id"], format!("8:orgid:{OID}"));
    assert_eq!(verdict["scopes"], json!(["chat", "voip"]));
    assert_eq!(verdict["expiresOn"], body["expiresOn"]);
}

#[tokio::test]
async fn an_es256_entra_token_is_exchanged_too() {
    let key = Key::ec("ec-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_trusting(jwks.entry()).await;
    let body = exchanged(&app, &key.mint(&claims())).await;
    assert_eq!(
        payload(body["token"].as_str().unwrap())["sub"],
        format!("8:orgid:{OID}")
    );
}

#[tokio::test]
async fn the_exchanged_token_expires_with_the_entra_token_but_within_24_hours() {
    let key = Key::ec("ec-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_trusting(jwks.entry()).await;
    let mut long = claims();
    long["exp"] = json!(now() + 3 * 86_400);
    let ours = payload(
        exchanged(&app, &key.mint(&long)).await["token"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(
        ours["exp"].as_i64().unwrap() - ours["iat"].as_i64().unwrap(),
        86_400
    );
    let mut short = claims();
    short["exp"] = json!(now() + 90);
    let body = exchanged(&app, &key.mint(&short)).await;
    assert_eq!(
        payload(body["token"].as_str().unwrap())["exp"],
        short["exp"]
    );
}

#[tokio::test]
async fn v1_tokens_with_appid_and_a_not_before_within_five_minutes_are_accepted() {
    let key = Key::rsa("rsa-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_trusting(jwks.entry()).await;
    let mut v1 = claims();
    let object = v1.as_object_mut().unwrap();
    object.remove("azp");
    object.insert("appid".into(), json!(APP_ID));
    object.insert("ver".into(), json!("1.0"));
    object.insert("nbf".into(), json!(now() + 240));
    object.insert(
        "scp".into(),
        json!("https://auth.msft.communication.azure.com/Teams.ManageChats Teams.ManageCalls"),
    );
    exchanged(&app, &key.mint(&v1)).await;
}

#[tokio::test]
async fn a_missing_member_is_a_validation_error_that_names_it() {
    let app = spawn_app().await;
    for (body, target) in [
        (None, "token"),
        (Some(json!({})), "token"),
        (
            Some(json!({"token": null, "appId": APP_ID, "userId": OID})),
            "token",
        ),
        (Some(json!({"token": "t", "userId": OID})), "appId"),
        (Some(json!({"token": "t", "appId": APP_ID})), "userId"),
    ] {
        let r = app
            .signed(
                Method::POST,
                &format!("/teamsUser/:exchangeAccessToken?{API}"),
                body.clone(),
            )
            .await;
        let e = error_of(r, 400).await;
        let name = format!("{}{}", target[..1].to_uppercase(), &target[1..]);
        assert_eq!(
            e,
            json!({"code": "ValidationError", "message": format!("{name}: The {name} field is required."), "target": target}),
            "{body:?}"
        );
    }
}

#[tokio::test]
async fn an_entra_token_of_another_application_or_user_is_a_validation_error_with_its_target() {
    let key = Key::ec("ec-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_trusting(jwks.entry()).await;
    let token = key.mint(&claims());
    let other = "6fd0ee0c-6a18-4bd5-a4b9-8b3b2b0e4d21";
    for (app_id, user_id, target, message) in [
        (
            other,
            OID,
            "appId",
            "Provided AAD token issued for unexpected application.",
        ),
        (
            "",
            OID,
            "appId",
            "Provided AAD token issued for unexpected application.",
        ),
        (
            OID,
            OID,
            "appId",
            "Provided AAD token issued for unexpected application.",
        ),
        (
            APP_ID,
            other,
            "userId",
            "Provided AAD token issued for unexpected user.",
        ),
        (
            APP_ID,
            "invalid",
            "userId",
            "Provided AAD token issued for unexpected user.",
        ),
        (
            APP_ID,
            "",
            "userId",
            "Provided AAD token issued for unexpected user.",
        ),
    ] {
        let body = json!({"token": token, "appId": app_id, "userId": user_id});
        let e = error_of(exchange(&app, body).await, 400).await;
        assert_eq!(
            e,
            json!({"code": "ValidationError", "message": message, "target": target}),
            "{app_id} {user_id}"
        );
    }
    // GUIDs compare whatever their case, as Entra's do.
    let upper =
        json!({"token": token, "appId": APP_ID.to_uppercase(), "userId": OID.to_uppercase()});
    assert_eq!(exchange(&app, upper).await.status(), 200);
}

#[tokio::test]
async fn the_exchange_needs_the_resources_credentials() {
    let key = Key::ec("ec-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_trusting(jwks.entry()).await;
    let r = app
        .http
        .post(format!("{}/teamsUser/:exchangeAccessToken?{API}", app.base))
        .json(&request(&key.mint(&claims())))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r, 401).await["code"], "Denied");
}

#[tokio::test]
async fn a_resource_that_trusts_no_issuer_finds_every_entra_token_not_valid() {
    let app = spawn_app().await;
    let key = Key::ec("ec-1");
    let e = error_of(exchange(&app, request(&key.mint(&claims()))).await, 401).await;
    assert_eq!(
        e,
        json!({"code": "InvalidAccessToken", "message": "Provided access token is not valid."})
    );
}
