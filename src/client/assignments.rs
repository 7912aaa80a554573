//! Teams Phone extensibility assignments, as `commid identity
//! teams-extension assignment` calls them (api-version 2025-06-30, the
//! first stable version that has them).

use super::{ClientError, IdentityClient, Request};
use crate::acs::assignments::TeamsExtensionAssignment;
use reqwest::{Method, StatusCode};
use serde_json::json;

pub const TEAMS_EXTENSION_API_VERSION: &str = "2025-06-30";

/// What a put did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created,
    Replaced,
}

impl IdentityClient {
    /// `GET /access/teamsExtension/tenants/{tenantId}/assignments/{objectId}`.
    pub async fn get_teams_extension_assignment(
        &self,
        tenant_id: &str,
        object_id: &str,
    ) -> Result<TeamsExtensionAssignment, ClientError> {
        let (_, body) = self
            .assignment_call(Method::GET, tenant_id, object_id, None, &[StatusCode::OK])
            .await?;
        parse(&body)
    }

    /// `PUT …/tenants/{tenantId}/assignments/{objectId}`: 201 when created,
    /// 200 when replaced.
    pub async fn set_teams_extension_assignment(
        &self,
        tenant_id: &str,
        object_id: &str,
        principal_type: &str,
        client_ids: Option<&[String]>,
    ) -> Result<(TeamsExtensionAssignment, Upserted), ClientError> {
        let mut body = json!({ "principalType": principal_type });
        if let Some(ids) = client_ids {
            body["clientIds"] = json!(ids);
        }
        let body = serde_json::to_vec(&body).expect("JSON serializes");
        let expected = [StatusCode::CREATED, StatusCode::OK];
        let (status, answer) = self
            .assignment_call(Method::PUT, tenant_id, object_id, Some(body), &expected)
            .await?;
        let upserted = if status == StatusCode::CREATED {
            Upserted::Created
        } else {
            Upserted::Replaced
        };
        Ok((parse(&answer)?, upserted))
    }

    /// `DELETE …/tenants/{tenantId}/assignments/{objectId}`.
    pub async fn delete_teams_extension_assignment(
        &self,
        tenant_id: &str,
        object_id: &str,
    ) -> Result<(), ClientError> {
        let expected = [StatusCode::NO_CONTENT];
        self.assignment_call(Method::DELETE, tenant_id, object_id, None, &expected)
            .await
            .map(drop)
    }

    /// Every assignment operation is idempotent, so each may be retried.
    async fn assignment_call(
        &self,
        method: Method,
        tenant_id: &str,
        object_id: &str,
        body: Option<Vec<u8>>,
        expected: &[StatusCode],
    ) -> Result<(StatusCode, Vec<u8>), ClientError> {
        let request = Request {
            method,
            path_and_query: format!(
                "/access/teamsExtension/tenants/{}/assignments/{}?api-version={TEAMS_EXTENSION_API_VERSION}",
                super::encode_id(tenant_id),
                super::encode_id(object_id)
            ),
            body: body.unwrap_or_default(),
            idempotent: true,
        };
        let response = self.transport.send(&*self.connection, &request).await?;
        if expected.contains(&response.status) {
            Ok((response.status, response.body))
        } else {
            Err(ClientError::from_response(
                response.status,
                &response.headers,
                &response.body,
            ))
        }
    }
}

fn parse(body: &[u8]) -> Result<TeamsExtensionAssignment, ClientError> {
    serde_json::from_slice(body).map_err(|e| ClientError::Response(e.to_string()))
}
