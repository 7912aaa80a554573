//! The one toolkit every test binary shares: an in-process app (`app`), a
//! real `commid serve` child process (`server`), a scripted ACS double
//! (`double`), a test OpenID issuer (`issuer`), a PostgreSQL schema per test
//! (`postgres`), the SDKs' request signing (`sign`) and Power Automate's
//! polling engine for triggers (`poller`) with
//! three flows on them racing writers (`flows`), a client that resets
//! its connection after sending (`reset`), and the one line that says what
//! a run skipped (`skipped`). Each binary uses a
//! part of it.
#![allow(dead_code)]

pub mod app;
pub mod deliveries;
pub mod double;
pub mod flows;
pub mod issuer;
pub mod poller;
pub mod postgres;
pub mod receiver;
pub mod reset;
pub mod server;
pub mod sign;
pub mod skipped;
