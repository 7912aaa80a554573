//! 405 with `Allow`: a path the server has, asked with a method it does not
//! take, names the methods it does take, in the error envelope; unknown
//! paths stay 404. The methods are those of the OpenAPI document, and `GET`
//! for the routes outside it.

use crate::common::app::*;
use reqwest::{Method, Response};
use serde_json::Value;

const EVERY_METHOD: [&str; 9] = [
    "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "QUERY",
];

fn method(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).unwrap()
}

/// The error of a 405, checking its `Allow` header and its envelope.
async fn not_allowed(r: Response, allow: &str, asked: &str) -> Option<Value> {
    let url = r.url().path().to_owned();
    assert_eq!(r.status(), 405, "{asked} {url}");
    assert_eq!(
        r.headers().get("allow").map(|v| v.to_str().unwrap()),
        Some(allow),
        "{asked} {url}"
    );
    assert_eq!(r.headers()["content-type"], "application/json");
    if asked == "HEAD" {
        return None;
    }
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "MethodNotAllowed", "{body}");
    Some(body["error"].clone())
}

#[tokio::test]
async fn an_undeclared_method_on_a_known_path_is_a_405_naming_the_declared_ones() {
    let app = spawn_app().await;
    let e = not_allowed(
        app.unsigned(Method::PUT, "/identities").await,
        "GET, POST",
        "PUT",
    )
    .await
    .unwrap();
    assert_eq!(
        e["message"],
        "PUT is not supported on /identities: use GET, POST."
    );
    not_allowed(
        app.unsigned(Method::TRACE, "/healthz").await,
        "GET",
        "TRACE",
    )
    .await;
    // Signed or not: the method is refused before the credentials are read.
    let r = app
        .signed(Method::PATCH, &format!("/identities/x?{API}"), None)
        .await;
    not_allowed(r, "GET, DELETE", "PATCH").await;
}

#[tokio::test]
async fn every_path_of_the_document_refuses_every_method_it_does_not_list() {
    let app = spawn_app().await;
    let doc: Value = app
        .unsigned(Method::GET, "/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 9, "{paths:?}");
    for (template, item) in paths {
        let declared: Vec<&str> = EVERY_METHOD
            .into_iter()
            .filter(|m| item.get(m.to_ascii_lowercase()).is_some())
            .collect();
        assert!(!declared.is_empty(), "{template}");
        let path = template.replace("{id}", "x");
        // `/identities/:count` and `/identities/{id}` alike: an action is
        // never taken for an id, whatever the method.
        for asked in EVERY_METHOD.into_iter().filter(|m| !declared.contains(m)) {
            let r = app.unsigned(method(asked), &path).await;
            not_allowed(r, &declared.join(", "), asked).await;
        }
    }
}

#[tokio::test]
async fn a_signed_delete_of_an_action_path_is_a_405_not_a_malformed_id() {
    let app = spawn_app().await;
    for action in [":count", ":byCustomId"] {
        let r = app
            .signed(Method::DELETE, &format!("/identities/{action}?{API}"), None)
            .await;
        not_allowed(r, "GET", "DELETE").await;
    }
    // A percent-encoded id still reaches the operation.
    let id = app.create_identity().await;
    assert_eq!(app.delete(&id).await.status(), 204);
}

#[tokio::test]
async fn routes_outside_the_document_take_get_only() {
    let app = spawn_app().await;
    for path in [
        "/openapi.json",
        "/apiDefinition.swagger.json",
        "/docs/",
        "/",
        "/portal",
        "/portal/",
        "/portal/app.js",
    ] {
        assert_ne!(
            app.unsigned(Method::GET, path).await.status(),
            405,
            "{path}"
        );
        for asked in ["POST", "PUT", "DELETE", "OPTIONS", "HEAD"] {
            not_allowed(app.unsigned(method(asked), path).await, "GET", asked).await;
        }
    }
}

#[tokio::test]
async fn head_and_options_are_refused_like_any_undeclared_method() {
    let app = spawn_app().await;
    let r = app.unsigned(Method::HEAD, "/readyz").await;
    not_allowed(r, "GET", "HEAD").await;
    let r = app
        .unsigned(Method::OPTIONS, "/.well-known/jwks.json")
        .await;
    not_allowed(r, "GET", "OPTIONS").await;
}

#[tokio::test]
async fn unknown_paths_stay_404_whatever_the_method() {
    let app = spawn_app().await;
    for path in [
        "/nothing",
        "/identities/a/b",
        "/identities/x/:nothing",
        "/identities/:nothing",
        "/healthz/x",
    ] {
        for asked in ["GET", "POST", "PUT", "TRACE"] {
            let r = app.unsigned(method(asked), path).await;
            assert_eq!(r.status(), 404, "{asked} {path}");
            assert!(r.headers().get("allow").is_none());
            let e = error_of(r, 404).await;
            assert_eq!(e["code"], "NotFound");
        }
    }
}
