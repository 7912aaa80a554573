use crate::common::app::*;
use serde_json::json;

#[tokio::test]
async fn a_token_issued_before_a_revoke_fails_and_one_issued_after_verifies() {
    let app = spawn_app().await;
    let id = app.create_identity().await;
    for _ in 0..10 {
        let before = app.token(&id).await;
        assert_eq!(app.verify(&before).await["valid"], true);
        assert_eq!(app.revoke(&id).await.status(), 204);
        assert_eq!(
            app.verify(&before).await,
            json!({"valid": false, "reason": "revoked"})
        );
        let after = app.token(&id).await;
        let verdict = app.verify(&after).await;
        assert_eq!(verdict["valid"], true);
        assert_eq!(verdict["identity"]["id"], id);
    }
}

#[tokio::test]
async fn no_token_issued_before_a_revoke_returned_verifies_after_it_under_concurrency() {
    let app = spawn_app().await;
    let id = app.create_identity().await;
    for _ in 0..5 {
        // Tokens whose issue call completed before the revoke call started.
        let earlier = futures::future::join_all((0..8).map(|_| app.token(&id))).await;
        // Issues racing the revoke: no claim either way.
        let racing = futures::future::join_all((0..8).map(|_| app.token(&id)));
        let (racing, revoke) = futures::join!(racing, app.revoke(&id));
        assert_eq!(revoke.status(), 204);
        for token in &earlier {
            assert_eq!(app.verify(token).await["reason"], "revoked");
        }
        drop(racing);
        assert_eq!(app.verify(&app.token(&id).await).await["valid"], true);
    }
}

#[tokio::test]
async fn deleting_answers_204_every_time_and_the_identity_is_gone_for_good() {
    let app = spawn_app().await;
    let id = app.create_identity().await;
    let token = app.token(&id).await;
    assert_eq!(app.delete(&id).await.status(), 204);
    assert_eq!(
        app.delete(&id).await.status(),
        204,
        "a replayed delete succeeds"
    );
    assert_eq!(
        app.verify(&token).await,
        json!({"valid": false, "reason": "deleted"})
    );
    assert_eq!(
        error_of(app.issue(&id, &["chat"]).await, 404).await["code"],
        "IdentityNotFound"
    );
    assert_eq!(
        error_of(app.get(&id).await, 404).await["code"],
        "IdentityNotFound"
    );
    assert_eq!(
        error_of(app.revoke(&id).await, 404).await["code"],
        "IdentityNotFound"
    );
}

#[tokio::test]
async fn a_tampered_or_foreign_token_is_reported_invalid_with_the_reason() {
    let app = spawn_app().await;
    let id = app.create_identity().await;
    let token = app.token(&id).await;
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut claims = payload(&token);
    claims["acsScope"] = json!("chat,voip");
    parts[1] = base64_url(&serde_json::to_vec(&claims).unwrap());
    assert_eq!(app.verify(&parts.join(".")).await["reason"], "badSignature");
    assert_eq!(app.verify("abc.def").await["reason"], "malformed");
    assert_eq!(
        app.verify("eyJhbGciOiJub25lIn0.e30.").await["reason"],
        "badSignature"
    );

    let other = spawn_app().await;
    let foreign = other.token(&other.create_identity().await).await;
    assert_eq!(app.verify(&foreign).await["reason"], "badSignature");
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
