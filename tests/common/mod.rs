pub mod postgres;
pub mod server;
