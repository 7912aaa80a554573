//! Webhook subscriptions (commid's own): create, list, show, delete,
//! suspend, resume.

use super::{ClientError, IdentityClient};
use crate::acs::subscriptions::{CreateSubscriptionRequest, Subscription, Subscriptions};
use reqwest::{Method, StatusCode};

impl IdentityClient {
    /// `POST /webhookSubscriptions`: the subscription, with its secret.
    pub async fn create_subscription(
        &self,
        request: &CreateSubscriptionRequest,
    ) -> Result<Subscription, ClientError> {
        let body = serde_json::to_value(request).expect("JSON serializes");
        self.call(Method::POST, "/webhookSubscriptions", Some(body))
            .expect(StatusCode::CREATED)
            .await
    }

    pub async fn list_subscriptions(&self) -> Result<Vec<Subscription>, ClientError> {
        let list: Subscriptions = self
            .call(Method::GET, "/webhookSubscriptions", None)
            .idempotent()
            .expect(StatusCode::OK)
            .await?;
        Ok(list.value)
    }

    pub async fn get_subscription(&self, id: &str) -> Result<Subscription, ClientError> {
        self.call(Method::GET, &format!("/webhookSubscriptions/{id}"), None)
            .idempotent()
            .expect(StatusCode::OK)
            .await
    }

    pub async fn delete_subscription(&self, id: &str) -> Result<(), ClientError> {
        self.call(Method::DELETE, &format!("/webhookSubscriptions/{id}"), None)
            .idempotent()
            .expect_empty(StatusCode::NO_CONTENT)
            .await
    }

    /// `:resume` (`resume`) or `:suspend`.
    pub async fn set_subscription_state(
        &self,
        id: &str,
        resume: bool,
    ) -> Result<Subscription, ClientError> {
        let action = if resume { "resume" } else { "suspend" };
        self.call(
            Method::POST,
            &format!("/webhookSubscriptions/{id}/:{action}"),
            None,
        )
        .idempotent()
        .expect(StatusCode::OK)
        .await
    }
}
