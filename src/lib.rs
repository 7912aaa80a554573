//! commid: a communication identity service that speaks the Azure
//! Communication Services Identity API.
//!
//! Layers, from the inside out: [`domain`] (validated values, no I/O),
//! [`acs`] (the wire protocol both sides speak: signing, connection strings,
//! bodies),
//! [`storage`] (one trait, one implementation per backend; secrets in it
//! sealed with the [`vault`]), [`tokens`]
//! (signing and verifying), [`auth`] (request authentication), [`issuers`]
//! (trusted OpenID Connect issuers for the Teams exchange), [`http`]
//! (one handler per operation), [`router`] (the table of operations: each
//! handler and who may call it), [`startup`] (building the server),
//! [`client`] (the outbound ACS client), [`upstream`] (pass-through to real
//! ACS resources, over that client), [`webhooks`] (subscriptions delivered
//! from the change feed) and [`cli`].

pub mod acs;
pub mod auth;
pub mod cli;
pub mod client;
pub mod config;
pub mod connector;
pub mod directory;
pub mod domain;
pub mod error;
pub mod http;
pub mod instrument;
pub mod issuers;
pub mod limits;
pub mod logs;
pub mod metrics;
pub mod report;
pub mod roles;
pub mod router;
pub mod shutdown;
pub mod startup;
pub mod storage;
pub mod throttle;
pub mod tls;
pub mod tokens;
pub mod upstream;
pub mod vault;
pub mod webhooks;

#[cfg(test)]
mod architecture_tests;
#[cfg(test)]
mod docs_tests;
