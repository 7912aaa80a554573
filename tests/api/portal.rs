//! The portal's files: embedded, under the size budget, served with their
//! types and the security headers, and kept out of the API's documents.

use crate::common::app::*;
use commid::http::portal::{ASSETS, CONTENT_SECURITY_POLICY, SECURITY_HEADERS};
use reqwest::Method;
use std::collections::BTreeSet;
use std::path::Path;

const BUDGET_BYTES: usize = 150 * 1024;

fn portal_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/portal"))
}

fn assert_secured(r: &reqwest::Response, what: &str) {
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(
            r.headers().get(name.as_str()).map(|v| v.to_str().unwrap()),
            Some(value),
            "{what}: {name}"
        );
    }
}

#[tokio::test]
async fn the_root_and_the_portal_without_its_slash_redirect_to_the_portal() {
    let app = spawn_app().await;
    for path in ["/", "/portal"] {
        let r = app.unsigned(Method::GET, path).await;
        assert_eq!(r.status(), 302, "{path}");
        assert_eq!(r.headers()["location"], "/portal/");
        assert_secured(&r, path);
    }
}

#[tokio::test]
async fn every_portal_response_carries_its_type_and_the_security_headers() {
    let app = spawn_app().await;
    for asset in ASSETS {
        let path = format!("/portal/{}", asset.name);
        let r = app.unsigned(Method::GET, &path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], asset.content_type, "{path}");
        assert_eq!(r.headers()["cache-control"], "no-cache", "{path}");
        assert_secured(&r, &path);
        assert_eq!(r.bytes().await.unwrap(), asset.body, "{path}");
    }
    let r = app.unsigned(Method::GET, "/portal/missing.js").await;
    assert_eq!(r.status(), 404);
    assert_secured(&r, "a missing file");
}

#[test]
fn the_content_security_policy_allows_no_inline_code_no_eval_and_no_framing() {
    assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'none'",
    ] {
        assert!(CONTENT_SECURITY_POLICY.contains(directive), "{directive}");
    }
}

#[tokio::test]
async fn an_unchanged_file_is_answered_not_modified() {
    let app = spawn_app().await;
    let first = app.unsigned(Method::GET, "/portal/app.js").await;
    let etag = first.headers()["etag"].clone();
    let again = app
        .http
        .get(format!("{}/portal/app.js", app.base))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_secured(&again, "304");
    assert!(again.bytes().await.unwrap().is_empty());
}

#[test]
fn every_file_of_the_portal_folder_is_embedded_and_nothing_else() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(portal_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let embedded: BTreeSet<String> = ASSETS
        .iter()
        .map(|a| match a.name {
            "" => "index.html".to_owned(),
            name => name.to_owned(),
        })
        .collect();
    assert_eq!(on_disk, embedded);
}

#[test]
fn the_embedded_portal_stays_under_150_kb() {
    let total: usize = ASSETS.iter().map(|a| a.body.len()).sum();
    assert!(total < BUDGET_BYTES, "the portal is {total} bytes");
}

/// What `text` refers to: `src="…"`, `href="…"` and `from './….js'`.
fn references(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for marker in ["src=\"", "href=\"", "from './", "import('./"] {
        for (at, _) in text.match_indices(marker) {
            let rest = &text[at + marker.len()..];
            let end = rest.find(['"', '\'']).unwrap_or(rest.len());
            found.push(rest[..end].to_owned());
        }
    }
    found
}

#[test]
fn the_page_refers_only_to_files_the_server_embeds() {
    let names: BTreeSet<&str> = ASSETS.iter().map(|a| a.name).collect();
    let mut checked = 0;
    for asset in ASSETS
        .iter()
        .filter(|a| a.content_type.starts_with("text/"))
    {
        let text = std::str::from_utf8(asset.body).unwrap();
        for reference in references(text) {
            if reference.starts_with('#') {
                continue;
            }
            assert!(
                names.contains(reference.as_str()),
                "{:?} refers to {reference}, which is not embedded",
                asset.name
            );
            checked += 1;
        }
    }
    assert!(checked > 10, "the page's own references are found");
}

#[test]
fn the_portal_is_not_an_api_operation() {
    let doc = serde_json::to_value(commid::router::openapi()).unwrap();
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    assert!(
        paths.iter().all(|p| *p != "/" && !p.starts_with("/portal")),
        "{paths:?}"
    );
}
