//! One app per test, in-process on port 0 with its own data dir, and a
//! client that signs requests like the SDKs do.

use super::sign::Signer;
use base64::Engine;
use commid::acs::ConnectionString;
use commid::config::Layer;
use commid::startup::Application;
use reqwest::{Method, Response};
use serde_json::{Value, json};
use std::path::PathBuf;

pub const API: &str = "api-version=2023-10-01";

pub struct TestApp {
    pub base: String,
    /// Where it really listens, `http://127.0.0.1:PORT` (`base` is the
    /// public URL when one is set).
    pub local: String,
    pub authority: String,
    pub key: Vec<u8>,
    pub connection_string: String,
    pub data_dir: PathBuf,
    pub http: reqwest::Client,
    /// `http://ADDR` of the scrape-only metrics listener, when there is one.
    pub metrics: Option<String>,
    _dir: tempfile::TempDir,
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|layer| layer).await
}

pub async fn spawn_with(adjust: impl FnOnce(Layer) -> Layer) -> TestApp {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let layer = Layer {
        listen: Some("127.0.0.1:0".into()),
        data_dir: Some(dir.path().to_path_buf()),
        http: Some(true),
        workers: Some(1),
        ..Layer::default()
    };
    let app = Application::build(adjust(layer).resolve().expect("a valid config"))
        .await
        .expect("the app starts");
    let connection_string = app.connection_string().expose().to_owned();
    let cs = ConnectionString::parse(&connection_string).unwrap();
    let base = app.base_url().as_str().trim_end_matches('/').to_owned();
    let local = format!("http://127.0.0.1:{}", app.port());
    let metrics = app.metrics_address().map(|a| format!("http://{a}"));
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base,
        local,
        authority: cs.endpoint.authority(),
        key: cs.key.bytes().to_vec(),
        connection_string,
        data_dir: dir.path().to_path_buf(),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        metrics,
        _dir: dir,
    }
}

impl TestApp {
    /// A request signed with the resource's primary key.
    pub async fn signed(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Value>,
    ) -> Response {
        let body = body
            .map(|b| serde_json::to_vec(&b).unwrap())
            .unwrap_or_default();
        self.signed_raw(method, path_and_query, body, &self.key.clone())
            .await
    }

    pub async fn signed_raw(
        &self,
        method: Method,
        path_and_query: &str,
        body: Vec<u8>,
        key: &[u8],
    ) -> Response {
        let signer = Signer {
            base: &self.base,
            host: &self.authority,
            key,
        };
        signer
            .request(&self.http, method, path_and_query, body)
            .header("content-type", "application/json")
            .send()
            .await
            .expect("the server answers")
    }

    /// A request signed with the resource's primary key, sent by `http`
    /// (a client of another address, say).
    pub async fn signed_via(
        &self,
        http: &reqwest::Client,
        method: Method,
        path_and_query: &str,
        body: Option<Value>,
    ) -> Response {
        let body = body
            .map(|b| serde_json::to_vec(&b).unwrap())
            .unwrap_or_default();
        let signer = Signer {
            base: &self.base,
            host: &self.authority,
            key: &self.key,
        };
        signer
            .request(http, method, path_and_query, body)
            .header("content-type", "application/json")
            .send()
            .await
            .expect("the server answers")
    }

    /// A signed PATCH of `body` as a JSON merge patch (RFC 7396), with
    /// `content_type` (`application/merge-patch+json` unless a test says).
    pub async fn signed_patch(
        &self,
        path_and_query: &str,
        body: Value,
        content_type: &str,
    ) -> Response {
        let signer = Signer {
            base: &self.base,
            host: &self.authority,
            key: &self.key,
        };
        signer
            .request(
                &self.http,
                Method::PATCH,
                path_and_query,
                serde_json::to_vec(&body).unwrap(),
            )
            .header("content-type", content_type)
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn signed_merge_patch(&self, path_and_query: &str, body: Value) -> Response {
        self.signed_patch(path_and_query, body, "application/merge-patch+json")
            .await
    }

    /// A request signed with `key` for another resource's host.
    pub async fn signed_raw_for_host(
        &self,
        method: Method,
        path_and_query: &str,
        body: Vec<u8>,
        key: &[u8],
        host: &str,
    ) -> Response {
        let signer = Signer {
            base: &self.base,
            host,
            key,
        };
        signer
            .request(&self.http, method, path_and_query, body)
            .header("host", host)
            .send()
            .await
            .expect("the server answers")
    }

    /// A request with a `Connection-String` header, as the connector sends.
    pub async fn with_connection_string(
        &self,
        connection_string: &str,
        method: Method,
        path_and_query: &str,
        body: Option<Value>,
    ) -> Response {
        let mut request = self
            .http
            .request(method, format!("{}{path_and_query}", self.local))
            .header("Connection-String", connection_string);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("the server answers")
    }

    pub async fn unsigned(&self, method: Method, path_and_query: &str) -> Response {
        self.http
            .request(method, format!("{}{path_and_query}", self.base))
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn create_identity(&self) -> String {
        self.create(None).await
    }

    /// A new identity with `custom` as its custom id (get-or-create): its id.
    pub async fn create_with_custom_id(&self, custom: &str) -> String {
        self.create(Some(serde_json::json!({ "customId": custom })))
            .await
    }

    async fn create(&self, body: Option<Value>) -> String {
        let r = self
            .signed(Method::POST, &format!("/identities?{API}"), body)
            .await;
        assert_eq!(r.status(), 201);
        r.json::<Value>().await.unwrap()["identity"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn issue(&self, id: &str, scopes: &[&str]) -> Response {
        self.signed(
            Method::POST,
            &format!("/identities/{}/:issueAccessToken?{API}", encode(id)),
            Some(json!({"scopes": scopes})),
        )
        .await
    }

    pub async fn token(&self, id: &str) -> String {
        let r = self.issue(id, &["chat"]).await;
        assert_eq!(r.status(), 200);
        r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn revoke(&self, id: &str) -> Response {
        self.signed(
            Method::POST,
            &format!("/identities/{}/:revokeAccessTokens?{API}", encode(id)),
            None,
        )
        .await
    }

    pub async fn delete(&self, id: &str) -> Response {
        self.signed(
            Method::DELETE,
            &format!("/identities/{}?{API}", encode(id)),
            None,
        )
        .await
    }

    pub async fn get(&self, id: &str) -> Response {
        self.signed(
            Method::GET,
            &format!("/identities/{}?api-version=2025-03-02-preview", encode(id)),
            None,
        )
        .await
    }

    pub async fn verify(&self, token: &str) -> Value {
        let r = self
            .signed(
                Method::POST,
                &format!("/accessTokens/:verify?{API}"),
                Some(json!({"token": token})),
            )
            .await;
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// The store, opened beside the running server as an admin command would.
    pub fn admin_store(&self) -> commid::storage::sqlite::SqliteStore {
        commid::storage::sqlite::SqliteStore::open(
            &self.data_dir,
            commid::storage::sqlite::Access::Shared,
        )
        .unwrap()
    }
}

/// A client whose connections come from `address` (another loopback
/// address, `127.0.0.2`, is another client to the server).
pub fn client_from(address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(address.parse::<std::net::IpAddr>().unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Percent-encodes `:` as the sync SDKs do.
pub fn encode(id: &str) -> String {
    id.replace(':', "%3A")
}

/// The ACS error envelope of a response, after checking its status.
pub async fn error_of(r: Response, status: u16) -> Value {
    assert_eq!(r.status(), status);
    assert_eq!(r.headers()["content-type"], "application/json");
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["code"].is_string() && body["error"]["message"].is_string(),
        "{body}"
    );
    body["error"].clone()
}

/// The token's payload, decoded with *standard* base64 as Python and .NET do.
pub fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    let padded = format!("{part}{}", "=".repeat((4 - part.len() % 4) % 4));
    serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(padded)
            .expect("standard base64"),
    )
    .unwrap()
}
