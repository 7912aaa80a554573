//! Several real servers on one PostgreSQL database.

mod common;
mod instances {
    mod feed;
    mod multi_instance;
    mod outage;
    mod roles;
    mod triggers;
    mod webhooks;
}
