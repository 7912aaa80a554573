//! The outbound ACS Identity client: signs requests with HMAC-SHA256 and
//! speaks the same wire as the official SDKs, so it works against commid and
//! against a real ACS resource. `commid quickstart` and `commid identity`
//! use it.
//!
//! Layers: [`IdentityClient`] has one typed method per operation;
//! [`Transport`] signs and sends any request ([`Transport::send`]), with
//! connection reuse, timeouts and retries ([`RetryPolicy`]), and can be
//! shared by clients of several resources.

mod assignments;
mod directory;
mod errors;
mod failure;
mod retry;
mod subscriptions;
mod transport;

pub use crate::acs::models::{
    AccessToken, Identity, IdentityCount, IdentityEvents, IdentityList, VerifyTokenResponse,
};
pub use assignments::{TEAMS_EXTENSION_API_VERSION, Upserted};
pub use directory::Filters;
pub use errors::ClientError;
pub use retry::RetryPolicy;
pub use transport::{
    BearerCredentials, ClientOptions, Credentials, Exchange, RawResponse, Request, Transport,
};

use crate::acs::ConnectionString;
use crate::domain::{ApiVersion, Scope};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::path::Path;

/// The version `GET /identities/{id}` was published in.
pub const GET_IDENTITY_API_VERSION: &str = "2025-03-02-preview";

/// Encodes `:` in identity ids as the sync SDKs do; keeps `-`, `_` and `.`.
const ID_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');

#[derive(Clone)]
pub struct IdentityClient {
    transport: Transport,
    /// A connection string (HMAC) or an endpoint and a Bearer token.
    connection: std::sync::Arc<dyn Credentials>,
}

impl IdentityClient {
    /// Default options; `ca_cert` trusts a PEM certificate besides the
    /// system's roots (for commid's self-signed one).
    pub fn new(connection: ConnectionString, ca_cert: Option<&Path>) -> Result<Self, ClientError> {
        let options = ClientOptions {
            ca_cert: ca_cert.map(Path::to_path_buf),
            ..ClientOptions::default()
        };
        Ok(Self::with_transport(connection, Transport::new(&options)?))
    }

    pub fn with_transport(connection: ConnectionString, transport: Transport) -> Self {
        Self::with_credentials(std::sync::Arc::new(connection), transport)
    }

    /// Requests authenticated by `credentials`: a connection string's key,
    /// or a Bearer token ([`BearerCredentials`]).
    pub fn with_credentials(
        credentials: std::sync::Arc<dyn Credentials>,
        transport: Transport,
    ) -> Self {
        IdentityClient {
            transport,
            connection: credentials,
        }
    }

    /// `POST /identities`: a new identity, without a token; with a custom
    /// id, the one that has it (get-or-create, 201 either way). Retried
    /// like an idempotent call only with a custom id, which makes a repeat
    /// harmless.
    pub async fn create_user(&self, custom_id: Option<&str>) -> Result<String, ClientError> {
        let body = match custom_id {
            Some(c) => json!({ "customId": c }),
            None => json!({}),
        };
        let mut call = self.call(Method::POST, "/identities", Some(body));
        if custom_id.is_some() {
            call = call.idempotent();
        }
        let body: Value = call.expect(StatusCode::CREATED).await?;
        identity_id(&body)
    }

    /// `POST /identities` with `createTokenWithScopes`: a new identity and a
    /// token for it, in one request.
    pub async fn create_user_and_token(
        &self,
        scopes: &[Scope],
        expires_in_minutes: Option<u32>,
    ) -> Result<(String, AccessToken), ClientError> {
        let mut request = json!({ "createTokenWithScopes": scope_names(scopes) });
        if let Some(m) = expires_in_minutes {
            request["expiresInMinutes"] = json!(m);
        }
        let body: Value = self
            .call(Method::POST, "/identities", Some(request))
            .expect(StatusCode::CREATED)
            .await?;
        let token = serde_json::from_value(body["accessToken"].clone())
            .map_err(|e| ClientError::Response(format!("no accessToken: {e}")))?;
        Ok((identity_id(&body)?, token))
    }

    /// `POST /identities/{id}/:issueAccessToken`.
    pub async fn get_token(
        &self,
        id: &str,
        scopes: &[Scope],
        expires_in_minutes: Option<u32>,
    ) -> Result<AccessToken, ClientError> {
        let mut request = json!({ "scopes": scope_names(scopes) });
        if let Some(m) = expires_in_minutes {
            request["expiresInMinutes"] = json!(m);
        }
        let path = format!("/identities/{}/:issueAccessToken", encode_id(id));
        self.call(Method::POST, &path, Some(request))
            .idempotent()
            .expect(StatusCode::OK)
            .await
    }

    /// `POST /identities/{id}/:revokeAccessTokens`, no body.
    pub async fn revoke_tokens(&self, id: &str) -> Result<(), ClientError> {
        let path = format!("/identities/{}/:revokeAccessTokens", encode_id(id));
        self.call(Method::POST, &path, None)
            .idempotent()
            .expect_empty(StatusCode::NO_CONTENT)
            .await
    }

    /// `DELETE /identities/{id}`.
    pub async fn delete_user(&self, id: &str) -> Result<(), ClientError> {
        let path = format!("/identities/{}", encode_id(id));
        self.call(Method::DELETE, &path, None)
            .idempotent()
            .expect_empty(StatusCode::NO_CONTENT)
            .await
    }

    /// `GET /identities/{id}` (api-version 2025-03-02-preview).
    pub async fn get_user(&self, id: &str) -> Result<Identity, ClientError> {
        let path = format!("/identities/{}", encode_id(id));
        self.call(Method::GET, &path, None)
            .api_version(GET_IDENTITY_API_VERSION)
            .idempotent()
            .expect(StatusCode::OK)
            .await
    }

    /// `POST /teamsUser/:exchangeAccessToken`: a token for a Teams user, in
    /// exchange for their Entra ID token.
    pub async fn get_token_for_teams_user(
        &self,
        aad_token: &str,
        client_id: &str,
        user_object_id: &str,
    ) -> Result<AccessToken, ClientError> {
        let request = json!({ "token": aad_token, "appId": client_id, "userId": user_object_id });
        self.call(
            Method::POST,
            "/teamsUser/:exchangeAccessToken",
            Some(request),
        )
        .idempotent()
        .expect(StatusCode::OK)
        .await
    }

    /// `POST /accessTokens/:verify` (commid only).
    pub async fn verify_token(&self, token: &str) -> Result<VerifyTokenResponse, ClientError> {
        self.call(
            Method::POST,
            "/accessTokens/:verify",
            Some(json!({ "token": token })),
        )
        .idempotent()
        .expect(StatusCode::OK)
        .await
    }

    fn call(&self, method: Method, path: &str, body: Option<Value>) -> Call<'_> {
        Call {
            client: self,
            method,
            path: path.to_owned(),
            body,
            api_version: ApiVersion::DEFAULT,
            query: Vec::new(),
            idempotent: false,
        }
    }
}

/// One operation being put together.
struct Call<'a> {
    client: &'a IdentityClient,
    method: Method,
    path: String,
    body: Option<Value>,
    api_version: &'static str,
    /// More query parameters, after `api-version`.
    query: Vec<(String, String)>,
    idempotent: bool,
}

impl Call<'_> {
    fn api_version(mut self, version: &'static str) -> Self {
        self.api_version = version;
        self
    }

    fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    fn query(mut self, pairs: Vec<(String, String)>) -> Self {
        self.query.extend(pairs);
        self
    }

    /// The `expected` answer's JSON body, or the error the answer stands for.
    async fn expect<T: DeserializeOwned>(self, expected: StatusCode) -> Result<T, ClientError> {
        let body = self.send(expected).await?;
        serde_json::from_slice(&body).map_err(|e| ClientError::Response(e.to_string()))
    }

    async fn expect_empty(self, expected: StatusCode) -> Result<(), ClientError> {
        self.send(expected).await.map(drop)
    }

    async fn send(self, expected: StatusCode) -> Result<Vec<u8>, ClientError> {
        let request = Request {
            method: self.method,
            path_and_query: path_and_query(&self.path, self.api_version, &self.query),
            body: self
                .body
                .map(|b| serde_json::to_vec(&b).expect("JSON serializes"))
                .unwrap_or_default(),
            idempotent: self.idempotent,
        };
        let client = self.client;
        let response = client.transport.send(&*client.connection, &request).await?;
        if response.status == expected {
            Ok(response.body)
        } else {
            Err(ClientError::from_response(
                response.status,
                &response.headers,
                &response.body,
            ))
        }
    }
}

/// `path?api-version=…&…`; a `path` that already has a query (a `nextLink`)
/// is sent as it came.
fn path_and_query(path: &str, api_version: &str, query: &[(String, String)]) -> String {
    if path.contains('?') {
        return path.to_owned();
    }
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    serializer.append_pair("api-version", api_version);
    for (name, value) in query {
        serializer.append_pair(name, value);
    }
    format!("{path}?{}", serializer.finish())
}

fn scope_names(scopes: &[Scope]) -> Vec<&'static str> {
    scopes.iter().map(Scope::as_str).collect()
}

fn encode_id(id: &str) -> String {
    utf8_percent_encode(id, ID_SEGMENT).to_string()
}

fn identity_id(body: &Value) -> Result<String, ClientError> {
    body["identity"]["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| ClientError::Response("no identity.id in the response".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_ids_are_percent_encoded_like_the_sync_sdks_do() {
        assert_eq!(
            encode_id(
                "8:acs:4ccc92c8-9815-4422-bddc-ceea181dc774_0195f7a4-0000-7000-8000-000000000000"
            ),
            "8%3Aacs%3A4ccc92c8-9815-4422-bddc-ceea181dc774_0195f7a4-0000-7000-8000-000000000000"
        );
    }
}
