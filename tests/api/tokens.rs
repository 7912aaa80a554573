use crate::common::app::*;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn issuing_a_token_answers_200_with_a_24_hour_token_by_default_and_no_store() {
    let app = spawn_app().await;
    let id = app.create_identity().await;
    let r = app.issue(&id, &["voip"]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.headers()["content-type"], "application/json");
    let body: Value = r.json().await.unwrap();
    let claims = payload(body["token"].as_str().unwrap());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        86_400
    );
    assert_eq!(claims["sub"], id);
    assert_eq!(claims["acsScope"], "voip");
    let expires_on = body["expiresOn"].as_str().unwrap();
    assert!(expires_on.ends_with(".0000000+00:00"), "{expires_on}");
}

#[tokio::test]
async fn the_id_is_accepted_raw_and_percent_encoded() {
    let app = spawn_app().await;
    let id = app.create_identity().await;
    for path_id in [id.clone(), encode(&id), id.replace(':', "%3a")] {
        let r = app
            .signed(
                Method::POST,
                &format!("/identities/{path_id}/:issueAccessToken?{API}"),
                Some(json!({"scopes": ["chat"]})),
            )
            .await;
        assert_eq!(r.status(), 200, "{path_id}");
    }
}

#[tokio::test]
async fn out_of_range_lifetimes_get_the_live_services_message_and_target() {
    let app = spawn_app().await;
    let id = app.create_identity().await;
    for minutes in [59, 1441, -5] {
        let r = app
            .signed(
                Method::POST,
                &format!("/identities/{}/:issueAccessToken?{API}", encode(&id)),
                Some(json!({"scopes": ["chat"], "expiresInMinutes": minutes})),
            )
            .await;
        let e = error_of(r, 400).await;
        assert_eq!(e["code"], "ValidationError");
        assert_eq!(e["target"], "ExpiresInMinutes");
        assert_eq!(
            e["message"],
            format!(
                "ExpiresInMinutes value {minutes} is invalid. Value must be within the [60, 1440] interval."
            )
        );
    }
    for minutes in [60, 1440] {
        let r = app
            .signed(
                Method::POST,
                &format!("/identities/{}/:issueAccessToken?{API}", encode(&id)),
                Some(json!({"scopes": ["chat"], "expiresInMinutes": minutes})),
            )
            .await;
        assert_eq!(r.status(), 200);
    }
}

#[tokio::test]
async fn a_lifetime_written_as_a_whole_decimal_counts_and_a_fraction_is_refused() {
    let app = spawn_app().await;
    let id = app.create_identity().await;
    let path = format!("/identities/{}/:issueAccessToken?{API}", encode(&id));
    let body = |minutes: f64| Some(json!({"scopes": ["chat"], "expiresInMinutes": minutes}));
    let r = app.signed(Method::POST, &path, body(90.0)).await;
    assert_eq!(r.status(), 200);
    let token: Value = r.json().await.unwrap();
    let claims = payload(token["token"].as_str().unwrap());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        90 * 60
    );
    let e = error_of(app.signed(Method::POST, &path, body(90.5)).await, 400).await;
    assert_eq!(e["code"], "ValidationError");
    assert!(
        e["message"].as_str().unwrap().contains("a whole number"),
        "{e}"
    );
    let r = app
        .signed(
            Method::POST,
            &format!("/identities?{API}"),
            Some(json!({"createTokenWithScopes": ["chat"], "expiresInMinutes": 90.0})),
        )
        .await;
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn missing_empty_and_unknown_scopes_are_refused() {
    let app = spawn_app().await;
    let id = app.create_identity().await;
    let path = format!("/identities/{}/:issueAccessToken?{API}", encode(&id));
    for body in [
        None,
        Some(json!({})),
        Some(json!({"scopes": []})),
        Some(json!({"scopes": null})),
    ] {
        let e = error_of(app.signed(Method::POST, &path, body.clone()).await, 400).await;
        assert_eq!(
            e["message"], "Scopes: The Scopes field is required.",
            "{body:?}"
        );
        assert_eq!(e["target"], "Scopes");
    }
    let e = error_of(app.issue(&id, &["chat", "teleport"]).await, 400).await;
    assert_eq!(e["code"], "ValidationError");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("'teleport' is not a valid scope"),
        "{e}"
    );
    let e = error_of(
        app.signed(Method::POST, &path, Some(json!({"scopes": "chat"})))
            .await,
        400,
    )
    .await;
    assert_eq!(e["code"], "ValidationError");
}

#[tokio::test]
async fn every_scope_combination_the_sdks_send_is_issued() {
    let app = spawn_app().await;
    let id = app.create_identity().await;
    let all = [
        "chat",
        "voip",
        "chat.join",
        "chat.join.limited",
        "voip.join",
    ];
    let r = app.issue(&id, &all).await;
    assert_eq!(r.status(), 200);
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let verdict = app.verify(&token).await;
    assert_eq!(verdict["scopes"], json!(all));
}

#[tokio::test]
async fn a_malformed_id_is_a_400_and_an_unknown_one_a_404() {
    let app = spawn_app().await;
    let e = error_of(app.issue("not-an-id", &["chat"]).await, 400).await;
    assert_eq!(e["code"], "ValidationError");
    assert_eq!(e["target"], "id");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("must start with '8:acs:'")
    );

    let id = app.create_identity().await;
    let resource = id
        .strip_prefix("8:acs:")
        .unwrap()
        .split('_')
        .next()
        .unwrap();
    let unknown = format!("8:acs:{resource}_{}", uuid::Uuid::new_v4());
    for r in [
        app.issue(&unknown, &["chat"]).await,
        app.get(&unknown).await,
        app.revoke(&unknown).await,
        app.delete(&unknown).await,
    ] {
        let e = error_of(r, 404).await;
        assert_eq!(e["code"], "IdentityNotFound");
    }
    let other_resource = format!("8:acs:{}_{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    assert_eq!(
        error_of(app.issue(&other_resource, &["chat"]).await, 404).await["code"],
        "IdentityNotFound"
    );
}

#[tokio::test]
async fn get_returns_the_identity_with_its_custom_id_and_last_token_time() {
    let app = spawn_app().await;
    let r = app
        .signed(
            Method::POST,
            &format!("/identities?{API}"),
            Some(json!({"externalId": "ext-1"})),
        )
        .await;
    let id = r.json::<Value>().await.unwrap()["identity"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // 2025-03-02-preview answers as ACS does: the mapping is customId.
    let before: Value = app.get(&id).await.json().await.unwrap();
    assert_eq!(before, json!({"id": id, "customId": "ext-1"}));
    // Elsewhere GET is commid's own, and keeps the name it answered first.
    let stable: Value = app
        .signed(
            Method::GET,
            &format!("/identities/{}?{API}", encode(&id)),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        stable,
        json!({"id": id, "customId": "ext-1", "externalId": "ext-1"})
    );

    assert_eq!(app.issue(&id, &["chat"]).await.status(), 200);
    // lastTokenIssuedAt is written within about a second, not awaited.
    let mut last = Value::Null;
    for _ in 0..150 {
        last = app.get(&id).await.json::<Value>().await.unwrap()["lastTokenIssuedAt"].clone();
        if last.is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let text = last.as_str().expect("lastTokenIssuedAt appears");
    assert!(
        text.ends_with("+00:00") && text.len() == "2023-10-10T21:39:39.3244584+00:00".len(),
        "{text}"
    );
}
