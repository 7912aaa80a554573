//! The HTTP layer: one file per operation, each handler's route and OpenAPI
//! entry in its attributes, and what the handlers share: the state, the
//! extractors, who may call (`access`), the answers. The table of
//! operations that registers them stands above, in `crate::router`.

pub mod access;
mod admission;
pub mod allow;
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
pub mod directory_params;
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
mod management;
pub mod middleware;
pub mod paging;
pub mod portal;
pub mod portal_signin;
pub mod put_entra_assignment;
pub mod put_teams_extension_assignment;
pub mod refusals;
pub mod respond;
pub mod revoke_tokens;
pub mod set_subscription_state;
pub mod state;
mod subscribing;
pub mod test_connection;
pub mod triggers;
pub mod update_entra_assignments;
pub mod verify_token;

pub use directory_params::{DirectoryQuery, FeedParams, FilterParams, ListQueryParams};
pub use extract::ApiRequest;
