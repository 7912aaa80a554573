//! The directory's operations (commid's own): list, count, change feed.

use super::{ClientError, IdentityClient, IdentityCount, IdentityEvents, IdentityList};
use reqwest::{Method, StatusCode};

/// The filters of a list or a count, as query values (RFC 3339 times).
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub custom_id: Option<String>,
    pub custom_id_prefix: Option<String>,
    pub created_after: Option<String>,
    pub created_before: Option<String>,
    pub last_token_issued_before: Option<String>,
}

impl Filters {
    fn pairs(&self) -> Vec<(String, String)> {
        [
            ("customId", &self.custom_id),
            ("customIdPrefix", &self.custom_id_prefix),
            ("createdAfter", &self.created_after),
            ("createdBefore", &self.created_before),
            ("lastTokenIssuedBefore", &self.last_token_issued_before),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.clone().map(|v| (name.to_owned(), v)))
        .collect()
    }
}

impl IdentityClient {
    /// `GET /identities`: the first page.
    pub async fn list_users(
        &self,
        filters: &Filters,
        max_page_size: u16,
    ) -> Result<IdentityList, ClientError> {
        let mut query = filters.pairs();
        query.push(("maxPageSize".into(), max_page_size.to_string()));
        self.call(Method::GET, "/identities", None)
            .query(query)
            .idempotent()
            .expect(StatusCode::OK)
            .await
    }

    /// The page a `nextLink` names (a path and query from the service).
    pub async fn next_page<T: serde::de::DeserializeOwned>(
        &self,
        next_link: &str,
    ) -> Result<T, ClientError> {
        if !next_link.starts_with('/') {
            return Err(ClientError::Response(format!(
                "a nextLink that is not a path: {next_link}"
            )));
        }
        self.call(Method::GET, next_link, None)
            .idempotent()
            .expect(StatusCode::OK)
            .await
    }

    /// `GET /identities/:count`.
    pub async fn count_users(&self, filters: &Filters) -> Result<u64, ClientError> {
        let count: IdentityCount = self
            .call(Method::GET, "/identities/:count", None)
            .query(filters.pairs())
            .idempotent()
            .expect(StatusCode::OK)
            .await?;
        Ok(count.count)
    }

    /// `GET /identityEvents`: from `since`, or from the current end.
    pub async fn user_events(
        &self,
        since: Option<&str>,
        max_page_size: u16,
    ) -> Result<IdentityEvents, ClientError> {
        let mut query = vec![("maxPageSize".to_owned(), max_page_size.to_string())];
        if let Some(since) = since {
            query.push(("since".into(), since.to_owned()));
        }
        self.call(Method::GET, "/identityEvents", None)
            .query(query)
            .idempotent()
            .expect(StatusCode::OK)
            .await
    }
}
