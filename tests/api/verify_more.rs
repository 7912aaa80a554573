use crate::common::app::*;
use commid::domain::{IdentityId, Scopes, Timestamp, TokenLifetime};
use commid::storage::Store;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn verifying_without_a_token_is_a_400_naming_the_token_field() {
    let app = spawn_app().await;
    let path = format!("/accessTokens/:verify?{API}");
    for body in [
        None,
        Some(json!({})),
        Some(json!({"token": null})),
        Some(json!({"token": ""})),
    ] {
        let e = error_of(app.signed(Method::POST, &path, body.clone()).await, 400).await;
        assert_eq!(
            e,
            json!({
                "code": "ValidationError",
                "message": "Token: The Token field is required.",
                "target": "token",
            }),
            "{body:?}"
        );
    }
}

#[tokio::test]
async fn a_token_past_its_expiry_is_answered_expired_and_nothing_else() {
    let app = spawn_app().await;
    let id = app.create_identity().await;
    // Sign with the server's own key, as it would have an hour ago: the
    // expired token differs from the control only in its times.
    let store = app.admin_store();
    let keys = commid::tokens::KeyRing::load(&store).await.unwrap();
    let resource = store.resources().await.unwrap().remove(0);
    let now = Timestamp::now().unix_seconds();
    let sign = |issued_seconds_ago: i64| {
        let scopes = Scopes::parse(Some(&["chat".to_owned()])).unwrap();
        let grant = commid::tokens::Grant::identity(
            &resource,
            IdentityId::parse(&id).unwrap(),
            &scopes,
            TokenLifetime::from_minutes(Some(60)).unwrap(),
            commid::domain::RevocationEpoch::INITIAL,
            Timestamp::from_unix_seconds(now - issued_seconds_ago),
        );
        commid::tokens::issue(&keys, &grant).unwrap().token
    };
    let expired = sign(61 * 60);
    let still_valid = sign(59 * 60);
    assert!(payload(&expired)["exp"].as_i64().unwrap() < now);

    let r = app
        .signed(
            Method::POST,
            &format!("/accessTokens/:verify?{API}"),
            Some(json!({"token": expired})),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let verdict: Value = r.json().await.unwrap();
    assert_eq!(verdict, json!({"valid": false, "reason": "expired"}));

    let control = app.verify(&still_valid).await;
    assert_eq!(control["valid"], true, "{control}");
    assert_eq!(control["identity"]["id"], id);
}
