//! Unit tests of `identity.rs`.
use super::*;
use crate::cli::output::table;

#[test]
fn the_flag_wins_then_azs_variable_then_the_sdks_and_empty_ones_do_not_count() {
    let env = |az: Option<&str>, sdk: Option<&str>| {
        let (az, sdk) = (az.map(str::to_owned), sdk.map(str::to_owned));
        move |name: &str| match name {
            "AZURE_COMMUNICATION_CONNECTION_STRING" => az.clone(),
            "COMMUNICATION_SERVICES_CONNECTION_STRING" => sdk.clone(),
            _ => None,
        }
    };
    let pick = |flag, az, sdk| connection_string(flag, env(az, sdk));
    assert_eq!(pick(Some("f"), Some("a"), Some("s")).as_deref(), Some("f"));
    assert_eq!(pick(None, Some("a"), Some("s")).as_deref(), Some("a"));
    assert_eq!(pick(None, None, Some("s")).as_deref(), Some("s"));
    assert_eq!(pick(None, Some(""), Some("s")).as_deref(), Some("s"));
    assert_eq!(pick(None, None, None), None);
}

#[test]
fn a_table_lines_up_headers_dashes_and_values() {
    let text = table(&[("UserId", "8:acs:x".into()), ("Token", "t".into())]);
    assert_eq!(text, "UserId   Token\n-------  -----\n8:acs:x  t\n");
}

#[test]
fn input_the_service_would_refuse_is_refused_with_what_is_allowed() {
    assert_eq!(scope("voip"), Ok(Scope::Voip));
    assert!(
        scope("Voip")
            .unwrap_err()
            .contains("Allowed values: chat, voip")
    );
    assert_eq!(minutes("60"), Ok(60));
    assert!(minutes("59").unwrap_err().contains("[60, 1440]"));
    assert!(minutes("1441").unwrap_err().contains("[60, 1440]"));
    assert!(minutes("1h").unwrap_err().contains("from 60 to 1440"));
    assert!(identity_id("abc").unwrap_err().contains("8:acs:"));
}
