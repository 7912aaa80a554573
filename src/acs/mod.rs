//! The ACS Identity protocol as both sides speak it: HMAC-SHA256 request
//! signing, connection strings, and the JSON bodies of the operations.
//! Inbound authentication ([`crate::auth`], [`crate::http`]) and the outbound
//! client ([`crate::client`]) depend on this module, never on each other.

pub mod assignments;
pub mod connection_string;
pub mod hmac;
pub mod models;
mod signer;
pub mod subscriptions;

pub use connection_string::ConnectionString;
pub use signer::sign_headers;
