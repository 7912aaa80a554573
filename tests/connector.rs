//! The Power Automate connector: the export and the rules it must pass.

mod common;
mod connector {
    mod definition;
    mod rules;
    mod teams_phone;
}
