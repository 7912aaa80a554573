//! Every operation of the API, once: its handler, whose attributes give its
//! route and its OpenAPI entry, and who may call it ([`Callers`]). From this
//! table come the routes the server answers, the OpenAPI document (its
//! security requirements included) and the checks the extractors make. The
//! handlers (`http/`) stand below it and import nothing from here.

use crate::domain::Role;
use crate::error::ErrorResponse;
use crate::http::access::{AccessTable, Callers, SecuritySchemes};
use crate::http::state::AppState;
use crate::http::{
    allow, connector_definition, count_identities, create_identity, create_subscription,
    delete_entra_assignment, delete_identity, delete_subscription,
    delete_teams_extension_assignment, exchange_entra_token, exchange_teams_extension_token,
    exchange_teams_token, get_entra_assignment, get_identity, get_subscription,
    get_teams_extension_assignment, health, identity_by_custom_id, identity_events, issue_token,
    jwks, list_entra_assignments, list_identities, list_subscriptions, middleware, portal,
    put_entra_assignment, put_teams_extension_assignment, refusals, revoke_tokens,
    set_subscription_state, test_connection, triggers, update_entra_assignments, verify_token,
};
use crate::metrics::Metrics;
use actix_web::App;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::web::{self, Data};
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::SwaggerUi;

/// One operation: how its handler is registered (the route and the OpenAPI
/// entry its attributes declare), the entries made from tables rather than
/// attributes (the triggers, one per kind of event), and who may call it.
pub struct Operation {
    pub register: fn(&mut ServiceConfig),
    pub document: fn(&mut utoipa::openapi::OpenApi),
    pub callers: Callers,
}

impl Operation {
    /// The path templates and methods under which the OpenAPI document
    /// lists this operation (none for a route outside the document).
    pub fn documented(&self) -> Vec<(String, &'static str)> {
        let mut own = App::new()
            .into_utoipa_app()
            .configure(self.register)
            .split_for_parts()
            .1;
        (self.document)(&mut own);
        own.paths
            .paths
            .iter()
            .flat_map(|(template, item)| {
                allow::operations(item).map(move |(method, _)| (template.clone(), method))
            })
            .collect()
    }
}

/// `handler` (an actix service with its `#[utoipa::path]`), callable by `callers`.
macro_rules! operation {
    ($handler:expr, $callers:expr) => {
        Operation {
            register: |cfg| {
                cfg.service($handler);
            },
            document: |_| {},
            callers: $callers,
        }
    };
}

/// A key's or a principal holding `owner`'s only.
const OWNER: Callers = Callers::Signed(&[]);
/// A token-vending backend's: also `issuer`.
const ISSUER: Callers = Callers::Signed(&[Role::Issuer]);
/// Reading: also `reader`.
const READER: Callers = Callers::Signed(&[Role::Reader]);
/// Getting an identity: `issuer` and `reader` too.
const ISSUER_OR_READER: Callers = Callers::Signed(&[Role::Issuer, Role::Reader]);

/// A Bearer exchange also at `path` (outside the document): `handler`
/// answers a POST there for the end user.
macro_rules! beside {
    ($path:expr, $handler:expr) => {
        Operation {
            register: |cfg| {
                cfg.route($path, web::post().to($handler));
            },
            document: |_| {},
            callers: Callers::EntraUser,
        }
    };
}

/// Every operation, in the order actix tries their routes: the fixed paths
/// before `/identities/{id}`, which would take them. Issue token comes
/// first: it is the busiest route, and each route tried before the one that
/// takes a request costs a regular expression match (2 µs a token when it
/// came twentieth); no other route takes a path ending `/:issueAccessToken`.
pub fn operations() -> Vec<Operation> {
    use Callers::{Anyone, EntraUser};
    vec![
        operation!(issue_token::issue_token, ISSUER),
        operation!(create_identity::create_identity, ISSUER),
        operation!(list_identities::list_identities, READER),
        operation!(count_identities::count_identities, READER),
        operation!(
            identity_by_custom_id::identity_by_custom_id,
            ISSUER_OR_READER
        ),
        operation!(identity_events::identity_events, READER),
        Operation {
            register: triggers::polling_routes,
            document: triggers::document_polling,
            callers: READER,
        },
        // They make the server call out, as subscriptions do.
        Operation {
            register: triggers::webhook_routes,
            document: triggers::document_webhooks,
            callers: OWNER,
        },
        operation!(create_subscription::create_subscription, OWNER),
        operation!(list_subscriptions::list_subscriptions, OWNER),
        operation!(get_subscription::get_subscription, OWNER),
        operation!(delete_subscription::delete_subscription, OWNER),
        operation!(set_subscription_state::resume_subscription, OWNER),
        operation!(set_subscription_state::suspend_subscription, OWNER),
        operation!(test_connection::test_connection, ISSUER_OR_READER),
        operation!(get_identity::get_identity, ISSUER_OR_READER),
        operation!(delete_identity::delete_identity, OWNER),
        operation!(revoke_tokens::revoke_tokens, OWNER),
        operation!(exchange_teams_token::exchange_teams_token, ISSUER),
        operation!(
            exchange_teams_extension_token::exchange_teams_extension_token,
            EntraUser
        ),
        operation!(
            get_teams_extension_assignment::get_teams_extension_assignment,
            OWNER
        ),
        operation!(
            put_teams_extension_assignment::put_teams_extension_assignment,
            OWNER
        ),
        operation!(
            delete_teams_extension_assignment::delete_teams_extension_assignment,
            OWNER
        ),
        operation!(exchange_entra_token::exchange_entra_token, EntraUser),
        operation!(list_entra_assignments::list_entra_assignments, OWNER),
        operation!(update_entra_assignments::update_entra_assignments, OWNER),
        operation!(get_entra_assignment::get_entra_assignment, OWNER),
        operation!(put_entra_assignment::put_entra_assignment, OWNER),
        operation!(delete_entra_assignment::delete_entra_assignment, OWNER),
        // An endpoint with a final `/`, as the JavaScript and Java SDKs join
        // it to the path: the Bearer exchanges only (signed requests are
        // verified over the path as sent, and no SDK signs one like this).
        // Outside the document: the same operations at another path.
        beside!(
            "//access/teamsExtension/:exchangeAccessToken",
            exchange_teams_extension_token::exchange
        ),
        beside!(
            "//access/entra/:exchangeAccessToken",
            exchange_entra_token::exchange
        ),
        operation!(verify_token::verify_token, READER),
        operation!(jwks::jwks, Anyone),
        operation!(health::healthz, Anyone),
        operation!(health::readyz, Anyone),
    ]
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

/// Every operation, registered once: the route and its OpenAPI entry.
pub fn routes(cfg: &mut ServiceConfig) {
    for operation in operations() {
        (operation.register)(cfg);
    }
}

/// The entries the table's operations make themselves (not from attributes).
fn documents(api: &mut utoipa::openapi::OpenApi) {
    for operation in operations() {
        (operation.document)(api);
    }
}

/// The document as the handlers write it (their attributes, and the
/// entries made from tables), before the table adds who may call each
/// operation.
pub fn handlers_document() -> utoipa::openapi::OpenApi {
    let mut api = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts()
        .1;
    documents(&mut api);
    api
}

/// Completes the handlers' document: each operation's security
/// requirements from the table, then the refusals every authenticated
/// operation may answer.
fn complete(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    for operation in operations() {
        for (template, method) in operation.documented() {
            let entry = api
                .paths
                .paths
                .get_mut(&template)
                .and_then(|item| allow::operation_mut(item, method));
            if let Some(entry) = entry {
                entry.security = operation.callers.security();
                if matches!(operation.callers, Callers::Signed(_)) {
                    refusals::add_forbidden(entry);
                }
            }
        }
    }
    refusals::add(&mut api);
    api
}

/// Who may call each documented operation, for the extractors.
fn access_table(api: &utoipa::openapi::OpenApi) -> AccessTable {
    let mut table = AccessTable::default();
    for operation in operations() {
        for (template, method) in operation.documented() {
            let id = api
                .paths
                .paths
                .get(&template)
                .and_then(|item| allow::operations(item).find(|(m, _)| *m == method))
                .and_then(|(_, entry)| entry.operation_id.clone())
                .unwrap_or_else(|| format!("{method} {template}"));
            table.insert(method, &template, operation.callers, id);
        }
    }
    table
}

/// The OpenAPI 3.1 document of the operations.
pub fn openapi() -> utoipa::openapi::OpenApi {
    complete(handlers_document())
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
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .app_data(state)
        .app_data(web::PayloadConfig::new(limit))
        .configure(routes)
        .split_for_parts();
    let mut api = api;
    documents(&mut api);
    let api = complete(api);
    let allow = Data::new(allow::AllowTable::from_openapi(&api));
    let access = Data::new(access_table(&api));
    app.app_data(allow)
        .app_data(access)
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
