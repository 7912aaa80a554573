//! The tables the documentation shows that code generates: each sits
//! between `<!-- NAME: generated … -->` and `<!-- end of NAME -->`, and
//! `COMMID_UPDATE_DOCS=1 cargo test` rewrites them.

use std::path::Path;

/// Fails unless `doc` holds `fresh` between the markers of `name`.
fn check(doc: &str, name: &str, fresh: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(doc);
    let text = std::fs::read_to_string(&path).unwrap();
    let begin_at = text
        .find(&format!("<!-- {name}: generated"))
        .unwrap_or_else(|| panic!("{doc} has no <!-- {name}: generated … --> marker"));
    let start = begin_at + text[begin_at..].find("-->\n").unwrap() + "-->\n".len();
    let end = text
        .find(&format!("<!-- end of {name} -->"))
        .unwrap_or_else(|| panic!("{doc} has no <!-- end of {name} --> marker"));
    if text[start..end] != *fresh {
        if std::env::var("COMMID_UPDATE_DOCS").as_deref() == Ok("1") {
            std::fs::write(&path, format!("{}{fresh}{}", &text[..start], &text[end..])).unwrap();
        } else {
            panic!(
                "{doc} does not show the {name} as the code declares them; run \
                 COMMID_UPDATE_DOCS=1 cargo test and review the diff. Expected:\n{fresh}"
            );
        }
    }
}

#[test]
fn the_configuration_documentation_lists_every_setting_as_declared() {
    check(
        "docs/configuration.md",
        "settings",
        &crate::config::settings_table(),
    );
}

#[test]
fn the_api_documentation_lists_every_api_version_and_what_it_has() {
    check(
        "docs/api.md",
        "api-versions",
        &crate::domain::ApiVersion::table(),
    );
}
