use crate::common::app::*;
use commid::acs::hmac;
use commid::domain::{AccessKey, DataLocation, Endpoint, KeySlot, Resource, ResourceName};
use commid::storage::Store;
use reqwest::Method;
use serde_json::Value;
use std::time::{Duration, SystemTime};

/// Sends a request with hand-made signature headers.
async fn send(
    app: &TestApp,
    host_header: Option<&str>,
    headers: &[(&str, String)],
    body: &[u8],
) -> reqwest::Response {
    let mut r = app
        .http
        .post(format!("{}/identities?{API}", app.base))
        .body(body.to_vec());
    if let Some(host) = host_header {
        r = r.header("host", host);
    }
    for (name, value) in headers {
        r = r.header(*name, value);
    }
    r.send().await.unwrap()
}

fn signature(key: &[u8], date: &str, host: &str, body: &[u8]) -> Vec<(&'static str, String)> {
    let hash = hmac::content_hash(body);
    let sts = hmac::string_to_sign("POST", &format!("/identities?{API}"), &[date, host, &hash]);
    vec![
        ("x-ms-date", date.to_owned()),
        ("x-ms-content-sha256", hash),
        ("authorization", hmac::authorization(&hmac::sign(key, &sts))),
    ]
}

#[tokio::test]
async fn requests_without_valid_credentials_get_401_denied() {
    let app = spawn_app().await;
    let e = error_of(
        app.unsigned(Method::POST, &format!("/identities?{API}"))
            .await,
        401,
    )
    .await;
    assert_eq!(e["code"], "Denied");
    let wrong = AccessKey::generate();
    let e = error_of(
        app.signed_raw(
            Method::POST,
            &format!("/identities?{API}"),
            vec![],
            wrong.bytes(),
        )
        .await,
        401,
    )
    .await;
    assert_eq!(e["code"], "Denied");
    assert_eq!(e["message"], "Denied by the resource provider.");
    let e = error_of(
        send(&app, None, &[("authorization", "Bearer x".into())], b"").await,
        401,
    )
    .await;
    assert_eq!(e["code"], "Denied");
}

#[tokio::test]
async fn a_body_that_differs_from_its_signed_hash_is_refused() {
    let app = spawn_app().await;
    let date = httpdate::fmt_http_date(SystemTime::now());
    let mut headers = signature(&app.key, &date, &app.authority, b"{}");
    let e = error_of(
        send(&app, None, &headers, br#"{"externalId":"x"}"#).await,
        401,
    )
    .await;
    assert_eq!(
        e["message"],
        "Request 'x-ms-content-sha256' differs from generated content hash."
    );
    // A recomputed hash without a new signature fails too.
    headers[1].1 = hmac::content_hash(br#"{"externalId":"x"}"#);
    let e = error_of(
        send(&app, None, &headers, br#"{"externalId":"x"}"#).await,
        401,
    )
    .await;
    assert_eq!(e["message"], "Denied by the resource provider.");
}

#[tokio::test]
async fn the_clock_skew_window_is_fifteen_minutes() {
    let app = spawn_app().await;
    for (offset, ok) in [
        (-14 * 60, true),
        (14 * 60, true),
        (-16 * 60, false),
        (16 * 60, false),
    ] {
        let when = if offset < 0 {
            SystemTime::now() - Duration::from_secs(-offset as u64)
        } else {
            SystemTime::now() + Duration::from_secs(offset as u64)
        };
        let headers = signature(
            &app.key,
            &httpdate::fmt_http_date(when),
            &app.authority,
            b"",
        );
        let status = send(&app, None, &headers, b"").await.status();
        assert_eq!(status == 201, ok, "offset {offset}s gave {status}");
    }
}

#[tokio::test]
async fn older_clients_signing_the_date_header_are_accepted() {
    let app = spawn_app().await;
    let date = httpdate::fmt_http_date(SystemTime::now());
    let hash = hmac::content_hash(b"");
    let sts = hmac::string_to_sign(
        "POST",
        &format!("/identities?{API}"),
        &[&date, &app.authority, &hash],
    );
    let auth = format!(
        "HMAC-SHA256 SignedHeaders=date;host;x-ms-content-sha256&Signature={}",
        hmac::sign(&app.key, &sts)
    );
    let headers = [
        ("date", date),
        ("x-ms-content-sha256", hash),
        ("authorization", auth),
    ];
    assert_eq!(send(&app, None, &headers, b"").await.status(), 201);
}

#[tokio::test]
async fn a_signature_over_the_default_port_matches_a_host_header_without_it() {
    let app = spawn_app().await;
    let date = httpdate::fmt_http_date(SystemTime::now());
    for (signed_host, ok) in [
        ("localhost:443", true),
        ("localhost:80", true),
        ("localhost:444", false),
    ] {
        let headers = signature(&app.key, &date, signed_host, b"");
        let status = send(&app, Some("localhost"), &headers, b"").await.status();
        assert_eq!(status == 201, ok, "{signed_host}: {status}");
    }
}

#[tokio::test]
async fn regenerating_one_key_leaves_the_other_working() {
    let app = spawn_app().await;
    let store = app.admin_store();
    let resource = store.resources().await.unwrap().remove(0);
    let new_primary = AccessKey::generate();
    assert!(
        store
            .replace_key(resource.id, KeySlot::Primary, new_primary.clone())
            .await
            .unwrap()
    );
    // An unknown key makes the server reread its resources, at most twice a second.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let path = format!("/identities?{API}");
    assert_eq!(
        app.signed_raw(Method::POST, &path, vec![], new_primary.bytes())
            .await
            .status(),
        201
    );
    assert_eq!(
        app.signed_raw(Method::POST, &path, vec![], resource.secondary_key.bytes())
            .await
            .status(),
        201
    );
    assert_eq!(
        app.signed_raw(Method::POST, &path, vec![], &app.key)
            .await
            .status(),
        401,
        "the old primary is gone"
    );
}

#[tokio::test]
async fn the_connection_string_header_authenticates_like_the_connector() {
    let app = spawn_app().await;
    let url = format!("{}/identities?{API}", app.base);
    let ok = app
        .http
        .post(&url)
        .header("Connection-String", &app.connection_string)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 201);
    let wrong = app
        .connection_string
        .split(";accesskey=")
        .next()
        .unwrap()
        .to_owned()
        + ";accesskey="
        + AccessKey::generate().text().expose();
    let r = app
        .http
        .post(&url)
        .header("Connection-String", wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r, 401).await["code"], "Denied");
    let r = app
        .http
        .post(&url)
        .header("Connection-String", "nonsense")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r, 401).await["code"], "Denied");
}

#[tokio::test]
async fn with_several_resources_the_host_selects_the_resource() {
    let app = spawn_app().await;
    let port = app.base.rsplit(':').next().unwrap().to_owned();
    let other = Resource::new(
        ResourceName::parse("other").unwrap(),
        DataLocation::parse("europe").unwrap(),
        Endpoint::parse(&format!("http://other.localhost:{port}/")).unwrap(),
    );
    app.admin_store()
        .insert_resource(other.clone())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;

    let date = httpdate::fmt_http_date(SystemTime::now());
    let host = format!("other.localhost:{port}");
    let r = send(
        &app,
        Some(&host),
        &signature(other.primary_key.bytes(), &date, &host, b""),
        b"",
    )
    .await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["identity"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(id.starts_with(&format!("8:acs:{}_", other.id)), "{id}");
    // The default resource's key does not open the other resource.
    let r = send(
        &app,
        Some(&host),
        &signature(&app.key, &date, &host, b""),
        b"",
    )
    .await;
    assert_eq!(r.status(), 401);
    // Nor can the default resource reach the other resource's identities.
    assert_eq!(app.issue(&id, &["chat"]).await.status(), 404);
}
