//! Unit tests of `identity.rs`.
use super::*;
use crate::cli::output::table;

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
