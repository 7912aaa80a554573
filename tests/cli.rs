//! The real `commid` binary, as people and scripts run it: `serve`,
//! `quickstart`, `identity`, `migrate`, `backup` and `restore`, the access log, crash durability (of writes and of webhook deliveries).

mod common;
mod cli {
    mod access_log;
    mod backup;
    mod backup_postgres;
    mod bearer_log;
    mod binary;
    mod crash;
    mod directory;
    mod drain;
    mod full_disk;
    mod identity;
    mod identity_bearer;
    mod identity_requests;
    mod log_forging;
    mod migrate;
    mod migrate_v1;
    mod prometheus;
    mod secrets;
    mod subscriptions;
    mod teams_extension;
    mod webhooks_crash;
}
