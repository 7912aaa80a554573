//! The Power Automate connector: the export and the rules it must pass.

mod common;
mod connector {
    mod definition;
    mod entra;
    mod flows;
    mod flows_served;
    mod rules;
    mod rules_dropdowns;
    mod rules_triggers;
    mod rules_webhooks;
    mod teams_phone;
}
