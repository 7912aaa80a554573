//! The trusted issuer's keys: rotation picked up through an unknown `kid`,
//! withdrawn keys dropped, fetches rate-limited, the schedule, key files,
//! and the configuration mistakes that stop the start.

use crate::api::teams_issuer::*;
use crate::common::app::*;
use commid::config::{Layer, TrustedIssuerEntry};
use commid::startup::Application;
use std::time::Duration;

async fn status(app: &TestApp, key: &Key) -> u16 {
    exchange(app, request(&key.mint(&claims())))
        .await
        .status()
        .as_u16()
}

fn no_cooldown(entry: TrustedIssuerEntry) -> TrustedIssuerEntry {
    TrustedIssuerEntry {
        jwks_cooldown_seconds: Some(0),
        ..entry
    }
}

#[tokio::test]
async fn a_key_rotated_in_at_the_issuer_is_fetched_when_a_token_names_it() {
    let (old, new) = (Key::rsa("old"), Key::ec("new"));
    let jwks = JwksServer::start(&[&old]).await;
    let app = app_trusting(no_cooldown(jwks.entry())).await;
    assert_eq!(status(&app, &old).await, 200);
    fetched(&jwks, 1).await;
    let before = jwks.fetches();
    jwks.publish(&[&old, &new]);
    assert_eq!(status(&app, &new).await, 200);
    assert_eq!(jwks.fetches(), before + 1);
    // Known keys need no fetch.
    assert_eq!(status(&app, &old).await, 200);
    assert_eq!(status(&app, &new).await, 200);
    assert_eq!(jwks.fetches(), before + 1);
}

#[tokio::test]
async fn a_key_withdrawn_by_the_issuer_stops_verifying_after_the_next_refresh() {
    let (old, new) = (Key::rsa("old"), Key::rsa("new"));
    let jwks = JwksServer::start(&[&old]).await;
    let app = app_trusting(no_cooldown(jwks.entry())).await;
    assert_eq!(status(&app, &old).await, 200);
    jwks.publish(&[&new]);
    // Still cached: nothing made the server fetch the set again yet.
    assert_eq!(status(&app, &old).await, 200);
    assert_eq!(status(&app, &new).await, 200);
    assert_eq!(status(&app, &old).await, 401);
}

#[tokio::test]
async fn unknown_kids_fetch_the_key_set_at_most_once_per_cooldown() {
    let key = Key::ec("known");
    let jwks = JwksServer::start(&[&key]).await;
    let entry = TrustedIssuerEntry {
        jwks_cooldown_seconds: Some(3),
        ..jwks.entry()
    };
    let app = app_trusting(entry).await;
    fetched(&jwks, 1).await;
    for i in 0..5 {
        assert_eq!(status(&app, &Key::ec(&format!("made-up-{i}"))).await, 401);
    }
    assert_eq!(jwks.fetches(), 1, "fetched within the cooldown");
    tokio::time::sleep(Duration::from_millis(3100)).await;
    for i in 5..10 {
        assert_eq!(status(&app, &Key::ec(&format!("made-up-{i}"))).await, 401);
    }
    assert_eq!(jwks.fetches(), 2);
    assert_eq!(status(&app, &key).await, 200);
}

#[tokio::test]
async fn the_key_set_is_fetched_again_on_schedule() {
    let (old, new) = (Key::ec("old"), Key::ec("new"));
    let jwks = JwksServer::start(&[&old]).await;
    let entry = TrustedIssuerEntry {
        jwks_refresh_seconds: Some(1),
        jwks_cooldown_seconds: Some(3600),
        ..jwks.entry()
    };
    let app = app_trusting(entry).await;
    fetched(&jwks, 1).await;
    jwks.publish(&[&new]);
    fetched(&jwks, 2).await;
    assert_eq!(status(&app, &new).await, 200);
    assert_eq!(status(&app, &old).await, 401);
}

#[tokio::test]
async fn a_key_file_is_read_at_start_and_again_for_an_unknown_kid() {
    let (old, new) = (Key::rsa("old"), Key::ec("new"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jwks.json");
    std::fs::write(&file, jwks(&[&old]).to_string()).unwrap();
    let entry = TrustedIssuerEntry {
        issuer: Some(ISSUER.into()),
        jwks_file: Some(file.clone()),
        client_ids: Some(vec![APP_ID.into()]),
        jwks_cooldown_seconds: Some(0),
        ..TrustedIssuerEntry::default()
    };
    let app = app_trusting(entry).await;
    assert_eq!(status(&app, &old).await, 200);
    std::fs::write(&file, jwks(&[&new]).to_string()).unwrap();
    assert_eq!(status(&app, &new).await, 200);
    assert_eq!(status(&app, &old).await, 401);
}

#[tokio::test]
async fn an_issuer_whose_keys_cannot_be_fetched_refuses_tokens_but_the_server_serves() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/keys", closed.local_addr().unwrap());
    drop(closed);
    let entry = TrustedIssuerEntry {
        issuer: Some(ISSUER.into()),
        jwks_url: Some(url),
        client_ids: Some(vec![APP_ID.into()]),
        ..TrustedIssuerEntry::default()
    };
    let app = app_trusting(entry).await;
    assert_eq!(status(&app, &Key::ec("k")).await, 401);
    assert_eq!(
        app.issue(&app.create_identity().await, &["chat"])
            .await
            .status(),
        200
    );
}

async fn start_error(entry: TrustedIssuerEntry) -> String {
    let dir = tempfile::tempdir().unwrap();
    let layer = Layer {
        listen: Some("127.0.0.1:0".into()),
        data_dir: Some(dir.path().to_path_buf()),
        http: Some(true),
        workers: Some(1),
        trusted_issuers: Some(vec![entry]),
        ..Layer::default()
    };
    match Application::build(layer.resolve().expect("a valid config")).await {
        Ok(_) => panic!("the app started"),
        Err(e) => commid::report::chain(&e),
    }
}

#[tokio::test]
async fn an_unknown_resource_or_an_unusable_key_file_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| Some(dir.path().join(name));
    let base = TrustedIssuerEntry {
        issuer: Some(ISSUER.into()),
        jwks_file: file("missing.json"),
        client_ids: Some(vec![APP_ID.into()]),
        ..TrustedIssuerEntry::default()
    };
    let err = start_error(TrustedIssuerEntry {
        resource: Some("contoso".into()),
        ..base.clone()
    })
    .await;
    assert!(
        err.contains("is for resource 'contoso', which does not exist (resources: default)")
            && err.contains("commid resource create --name contoso"),
        "{err}"
    );
    let err = start_error(base.clone()).await;
    assert!(
        err.contains("its jwks_file")
            && err.contains("missing.json is unusable: cannot read the file"),
        "{err}"
    );
    std::fs::write(dir.path().join("html.json"), "<html></html>").unwrap();
    let err = start_error(TrustedIssuerEntry {
        jwks_file: file("html.json"),
        ..base.clone()
    })
    .await;
    assert!(err.contains("not a JSON Web Key Set"), "{err}");
    std::fs::write(
        dir.path().join("hmac.json"),
        r#"{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"}]}"#,
    )
    .unwrap();
    let err = start_error(TrustedIssuerEntry {
        jwks_file: file("hmac.json"),
        ..base
    })
    .await;
    assert!(err.contains("no RS256 or ES256 signing key"), "{err}");
}
