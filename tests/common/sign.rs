//! Requests signed as the ACS SDKs sign them (HMAC-SHA256 over the method,
//! the request target, the date, the host and the body's hash), the one
//! signer every test uses.

use reqwest::{Client, Method, RequestBuilder};
use std::time::SystemTime;

/// Where requests go and what signs them.
pub struct Signer<'a> {
    /// `http://127.0.0.1:PORT`, without a final `/`.
    pub base: &'a str,
    /// What the request is signed for (and sent with) as `Host`.
    pub host: &'a str,
    pub key: &'a [u8],
}

impl Signer<'_> {
    /// `method path_and_query` with `body`, signed now.
    pub fn request(
        &self,
        http: &Client,
        method: Method,
        path_and_query: &str,
        body: Vec<u8>,
    ) -> RequestBuilder {
        let headers = commid::acs::sign_headers(
            method.as_str(),
            path_and_query,
            self.host,
            &body,
            self.key,
            SystemTime::now(),
        );
        let mut request = http.request(method, format!("{}{path_and_query}", self.base));
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request.body(body)
    }
}
