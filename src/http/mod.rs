//! The HTTP layer: one file per operation. Each handler's route and its
//! OpenAPI entry come from the same attributes, and [`routes`] registers them
//! all in one place.

pub mod connector_definition;
pub mod count_identities;
pub mod create_identity;
pub mod delete_identity;
mod directory_params;
pub mod exchange_teams_token;
mod extract;
pub mod forward;
pub mod get_identity;
pub mod health;
pub mod identity_by_custom_id;
pub mod identity_events;
pub mod issue_token;
pub mod jwks;
mod links;
pub mod list_identities;
mod middleware;
pub mod paging;
pub mod portal;
pub mod revoke_tokens;
pub mod test_connection;
pub mod triggers;
pub mod verify_token;

pub use directory_params::{DirectoryQuery, FeedParams, FilterParams, ListQueryParams};
pub use extract::ApiRequest;

use crate::directory::Directory;
use crate::error::{ApiError, ErrorResponse};
use crate::issuers::TrustedIssuers;
use crate::storage::Store;
use crate::tokens::KeyRing;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::CACHE_CONTROL;
use actix_web::web::{self, Data};
use actix_web::{App, HttpRequest, HttpResponseBuilder};
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::SwaggerUi;

/// What every handler shares, passed explicitly through actix's app data.
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub directory: Arc<Directory>,
    pub keys: Arc<KeyRing>,
    /// Whose Teams user tokens each resource exchanges.
    pub issuers: Arc<TrustedIssuers>,
    pub body_limit: usize,
    /// Per-resource request rate; `None` when unlimited.
    pub limiter: Option<crate::limits::RateLimiter>,
    /// The allow-list and the one shared client of pass-through.
    pub upstream: crate::upstream::Upstream,
    /// The connector's definition for any host ([`connector_definition::derive`]).
    pub connector_definition: serde_json::Value,
    /// Signs continuation tokens and feed cursors.
    pub paging: paging::PagingKey,
}

/// Tokens must not be kept by caches or proxies.
pub fn no_store(response: &mut HttpResponseBuilder) {
    response.insert_header((CACHE_CONTROL, "no-store"));
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "commid",
        description = "A communication identity service that speaks the Azure Communication Services Identity API: \
            create identities, issue and revoke their access tokens, delete them, exchange Teams users' \
            Microsoft Entra tokens, and verify tokens."
    ),
    components(schemas(ErrorResponse)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "Identity", description = "Communication identities."),
        (name = "Token", description = "Access tokens."),
        (name = "Directory", description = "commid's own: list, count and follow the resource's identities. Not in Azure Communication Services; every api-version has them."),
        (name = "Triggers", description = "commid's own: polling triggers for Power Automate and Logic Apps, one per kind of change feed event. Not in Azure Communication Services."),
        (name = "Service", description = "Health of the service."),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "hmac",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=…, as the ACS SDKs sign.",
            ))),
        );
        components.add_security_scheme(
            "connection_string",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Connection-String",
                "endpoint=https://…/;accesskey=…, as the Power Automate connector sends.",
            ))),
        );
    }
}

/// Every operation, registered once: the route and its OpenAPI entry.
pub fn routes(cfg: &mut ServiceConfig) {
    // The fixed paths before `/identities/{id}`, which would take them.
    cfg.service(create_identity::create_identity)
        .service(list_identities::list_identities)
        .service(count_identities::count_identities)
        .service(identity_by_custom_id::identity_by_custom_id)
        .service(identity_events::identity_events)
        .service(triggers::identity_created)
        .service(triggers::identity_deleted)
        .service(triggers::identity_tokens_revoked)
        .service(test_connection::test_connection)
        .service(get_identity::get_identity)
        .service(delete_identity::delete_identity)
        .service(issue_token::issue_token)
        .service(revoke_tokens::revoke_tokens)
        .service(exchange_teams_token::exchange_teams_token)
        .service(verify_token::verify_token)
        .service(jwks::jwks)
        .service(health::healthz)
        .service(health::readyz);
}

/// The OpenAPI 3.1 document of the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts()
        .1
}

/// [`openapi`] as JSON, what the connector export converts.
pub fn openapi_json() -> serde_json::Value {
    serde_json::to_value(openapi()).expect("the OpenAPI document serializes")
}

pub fn app(
    state: Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let limit = state.body_limit;
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .app_data(state)
        .app_data(web::PayloadConfig::new(limit))
        .configure(routes)
        .split_for_parts();
    app.service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", api))
        .service(connector_definition::api_definition)
        .configure(portal::routes)
        .default_service(web::to(not_found))
        .wrap(actix_web::middleware::from_fn(middleware::observe))
}

async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::route_not_found(req.method().as_str(), req.path()))
}
