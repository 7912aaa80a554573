//! The API served in-process, one app per test on port 0 with its own data
//! dir, requests signed as the SDKs sign them.

mod common;
mod api {
    mod access;
    mod admission;
    mod auth;
    mod bearer_refused;
    mod cancellation;
    mod create;
    mod custom_id;
    mod custom_id_prefix;
    mod directory;
    mod entra_assignments;
    mod entra_issuer;
    mod entra_users;
    mod errors;
    mod management;
    mod methods;
    mod metrics;
    mod overload;
    mod passthrough;
    mod passthrough_failures;
    mod passthrough_routing;
    mod poller;
    mod portal;
    mod revoke_delete;
    mod service;
    mod signin_options;
    mod subscriptions;
    mod teams;
    mod teams_extension;
    mod teams_extension_assignments;
    mod teams_issuer;
    mod teams_keys;
    mod teams_refused;
    mod test_connection;
    mod tls;
    mod tokens;
    mod triggers;
    mod verify_more;
    mod webhooks;
    mod webhooks_tail;
}
