//! The HTTP layer: one file per operation. Each handler's route and its
//! OpenAPI entry come from the same attributes, and [`routes`] registers them
//! all in one place.

mod allow;
mod assignment_request;
mod bearer;
pub mod connector_definition;
pub mod count_identities;
pub mod create_identity;
pub mod create_subscription;
pub mod delete_entra_assignment;
pub mod delete_identity;
pub mod delete_subscription;
pub mod delete_teams_extension_assignment;
mod directory_params;
mod exchange_assigned;
pub mod exchange_entra_token;
pub mod exchange_teams_extension_token;
pub mod exchange_teams_token;
mod extract;
pub mod forward;
pub mod get_entra_assignment;
pub mod get_identity;
pub mod get_subscription;
pub mod get_teams_extension_assignment;
pub mod health;
pub mod identity_by_custom_id;
pub mod identity_events;
pub mod issue_token;
pub mod jwks;
mod links;
pub mod list_entra_assignments;
pub mod list_identities;
pub mod list_subscriptions;
mod middleware;
pub mod paging;
pub mod portal;
pub mod put_entra_assignment;
pub mod put_teams_extension_assignment;
mod refusals;
pub mod revoke_tokens;
pub mod set_subscription_state;
mod subscribing;
pub mod test_connection;
pub mod triggers;
pub mod update_entra_assignments;
pub mod verify_token;

pub use allow::{Unrouted, operations};
pub use directory_params::{DirectoryQuery, FeedParams, FilterParams, ListQueryParams};
pub use extract::ApiRequest;

use crate::directory::Directory;
use crate::error::ErrorResponse;
use crate::issuers::TrustedIssuers;
use crate::metrics::Metrics;
use crate::storage::Store;
use crate::tokens::KeyRing;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::CACHE_CONTROL;
use actix_web::web::{self, Data};
use actix_web::{App, HttpResponseBuilder};
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::SwaggerUi;

/// What every handler shares, passed explicitly through actix's app data.
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub directory: Arc<Directory>,
    pub keys: Arc<KeyRing>,
    /// Tokens whose signature was already checked.
    pub verified: crate::tokens::VerifiedTokens,
    /// Whose Entra tokens each resource exchanges, and in which exchanges.
    pub issuers: Arc<TrustedIssuers>,
    pub body_limit: usize,
    /// Per-resource request rate; `None` when unlimited.
    pub limiter: Option<crate::limits::RateLimiter>,
    /// The allow-list and the one shared client of pass-through.
    pub upstream: crate::upstream::Upstream,
    /// The connector's definition for any host ([`connector_definition::derive`]).
    pub connector_definition: serde_json::Value,
    /// Where webhook deliveries may go, checked when a subscription is made.
    pub callbacks: crate::webhooks::CallbackPolicy,
    /// Wakes the webhook deliverer when a request wrote an event.
    pub feed: crate::webhooks::FeedWaker,
    /// Signs continuation tokens and feed cursors.
    pub paging: paging::PagingKey,
    /// Prometheus metrics, recorded when `Some`.
    pub metrics: Option<Arc<Metrics>>,
    /// Whether this listener answers `GET /metrics` (rather than a
    /// scrape-only listener of its own).
    pub serve_metrics: bool,
}

/// Tokens must not be kept by caches or proxies.
pub fn no_store(response: &mut HttpResponseBuilder) {
    response.insert_header((CACHE_CONTROL, "no-store"));
}

/// `value` as the JSON body of `response`, written into a buffer sized for
/// an access token's answer at once (actix's `json` starts at 128 bytes and
/// grows it several times over a token).
pub fn token_json(
    mut response: HttpResponseBuilder,
    value: &impl serde::Serialize,
) -> actix_web::HttpResponse {
    let mut body = Vec::with_capacity(1024);
    match serde_json::to_writer(&mut body, value) {
        Ok(()) => response
            .content_type(actix_web::http::header::ContentType::json())
            .body(body),
        Err(e) => actix_web::ResponseError::error_response(&crate::error::ApiError::internal(e)),
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "commid",
        description = "A communication identity service that speaks the Azure Communication Services Identity API: \
            create identities, issue and revoke their access tokens, delete them, exchange Teams users' \
            Microsoft Entra tokens, and verify tokens."
    ),
    components(schemas(
        ErrorResponse,
        crate::acs::models::IdentityEvent,
        crate::acs::subscriptions::WebhookEvent,
        crate::acs::subscriptions::WebhookTriggerRequest
    )),
    modifiers(&SecuritySchemes),
    tags(
        (name = "Identity", description = "Communication identities."),
        (name = "Token", description = "Access tokens."),
        (name = "Directory", description = "commid's own: list, count and follow the resource's identities, and subscribe URLs to the change feed (signed webhooks). Not in Azure Communication Services; every api-version has them."),
        (name = "Triggers", description = "commid's own: polling triggers for Power Automate and Logic Apps, one per kind of change feed event. Not in Azure Communication Services."),
        (name = "Service", description = "Health of the service."),
        (name = "Teams Phone extensibility", description = "Teams users and resource accounts exchanging their Microsoft Entra tokens, by assignment."),
        (name = "Entra ID users", description = "Microsoft Entra ID users exchanging their Entra tokens, by assignment (2025-03-02-preview)."),
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
        components.add_security_scheme(
            "entra_bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The end user's Microsoft Entra access token, from an issuer the resource trusts.",
                    ))
                    .build(),
            ),
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
        .configure(triggers::routes)
        .service(create_subscription::create_subscription)
        .service(list_subscriptions::list_subscriptions)
        .service(get_subscription::get_subscription)
        .service(delete_subscription::delete_subscription)
        .service(set_subscription_state::resume_subscription)
        .service(set_subscription_state::suspend_subscription)
        .service(test_connection::test_connection)
        .service(get_identity::get_identity)
        .service(delete_identity::delete_identity)
        .service(issue_token::issue_token)
        .service(revoke_tokens::revoke_tokens)
        .service(exchange_teams_token::exchange_teams_token)
        .service(exchange_teams_extension_token::exchange_teams_extension_token)
        .service(get_teams_extension_assignment::get_teams_extension_assignment)
        .service(put_teams_extension_assignment::put_teams_extension_assignment)
        .service(delete_teams_extension_assignment::delete_teams_extension_assignment)
        .service(exchange_entra_token::exchange_entra_token)
        .service(list_entra_assignments::list_entra_assignments)
        .service(update_entra_assignments::update_entra_assignments)
        .service(get_entra_assignment::get_entra_assignment)
        .service(put_entra_assignment::put_entra_assignment)
        .service(delete_entra_assignment::delete_entra_assignment)
        // An endpoint with a final `/`, as the JavaScript and Java SDKs join
        // it to the path: the Bearer exchanges only (signed requests are
        // verified over the path as sent, and no SDK signs one like this).
        .route(
            "//access/teamsExtension/:exchangeAccessToken",
            web::post().to(exchange_teams_extension_token::exchange),
        )
        .route(
            "//access/entra/:exchangeAccessToken",
            web::post().to(exchange_entra_token::exchange),
        )
        .service(verify_token::verify_token)
        .service(jwks::jwks)
        .service(health::healthz)
        .service(health::readyz);
}

/// The OpenAPI 3.1 document of the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut api = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts()
        .1;
    document(&mut api);
    api
}

/// What the handlers' attributes cannot say: the operations made from
/// tables (the triggers), then the refusals every operation may answer.
fn document(api: &mut utoipa::openapi::OpenApi) {
    triggers::document(api);
    refusals::add(api);
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
    let metrics = state.metrics.clone().filter(|_| state.serve_metrics);
    let (app, mut api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .app_data(state)
        .app_data(web::PayloadConfig::new(limit))
        .configure(routes)
        .split_for_parts();
    document(&mut api);
    let allow = Data::new(allow::AllowTable::from_openapi(&api));
    app.app_data(allow)
        .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", api))
        .service(connector_definition::api_definition)
        .configure(portal::routes)
        .configure(|cfg| {
            if let Some(metrics) = metrics {
                metrics_route(cfg, metrics);
            }
        })
        .default_service(web::to(allow::fallback))
        .wrap(actix_web::middleware::from_fn(middleware::observe))
}

/// `GET /metrics`, outside the OpenAPI document and the connector: it is
/// not an ACS operation. Other methods get 405 from the default service.
fn metrics_route(cfg: &mut web::ServiceConfig, metrics: Arc<Metrics>) {
    cfg.app_data(Data::from(metrics)).service(
        web::resource("/metrics")
            .guard(actix_web::guard::Get())
            .to(crate::metrics::endpoint),
    );
}

/// The scrape-only listener's app: `/metrics` and nothing else.
pub fn metrics_app(
    metrics: Arc<Metrics>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(Data::new(allow::AllowTable::default()))
        .configure(|cfg| metrics_route(cfg, metrics))
        .default_service(web::to(allow::fallback))
}
