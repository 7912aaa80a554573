//! Who may call each operation is declared once, in the table of operations
//! (`commid::router`): the handlers declare no security of their own, the
//! document's requirements come from the table, and the server refuses
//! every operation the table does not open to anyone, for every operation
//! of the table.

use crate::common::app::*;
use commid::http::access::Callers;
use commid::router;
use reqwest::Method;
use serde_json::Value;
use std::collections::BTreeSet;

/// A request the operation at `template` could take: its path parameters
/// filled in (`id` with `identity`), and the latest api-version it has.
pub fn plausible_target(doc: &Value, template: &str, method: &str, identity: &str) -> String {
    let path = template
        .replace("{id}", &encode(identity))
        .replace("{tenantId}", "9f3bd1b5-5c1a-4b8e-a2f0-6d4ad3c0a7e1")
        .replace("{objectId}", "32c0a5db-05ec-78ea-51ab-3f06b329397e");
    let parameters = doc["paths"][template][method.to_lowercase()]["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let version = parameters
        .iter()
        .find(|p| p["name"] == "api-version")
        .and_then(|p| p["schema"]["enum"].as_array())
        .and_then(|versions| versions.last())
        .and_then(Value::as_str);
    match version {
        Some(version) => format!("{path}?api-version={version}"),
        None => path,
    }
}

#[test]
fn the_table_alone_declares_who_may_call_each_operation() {
    let handlers = router::handlers_document();
    for (template, item) in &handlers.paths.paths {
        for (method, operation) in commid::http::allow::operations(item) {
            assert!(
                operation.security.is_none(),
                "{method} {template} declares its security in its attributes: the table does"
            );
        }
    }
    let mut in_table = BTreeSet::new();
    for operation in router::operations() {
        for documented in operation.documented() {
            assert!(in_table.insert(documented.clone()), "{documented:?} twice");
        }
    }
    let doc = router::openapi();
    let mut in_document = BTreeSet::new();
    for (template, item) in &doc.paths.paths {
        for (method, _) in commid::http::allow::operations(item) {
            in_document.insert((template.clone(), method));
        }
    }
    assert_eq!(in_table, in_document);
}

#[tokio::test]
async fn every_operation_refuses_a_caller_without_credentials_unless_the_table_opens_it() {
    let app = spawn_app().await;
    let identity = app.create_identity().await;
    let doc = router::openapi_json();
    let mut checked = 0;
    for operation in router::operations() {
        for (template, method) in operation.documented() {
            let target = plausible_target(&doc, &template, method, &identity);
            let r = app
                .http
                .request(
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    format!("{}{target}", app.base),
                )
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            match operation.callers {
                Callers::Anyone => assert_eq!(status, 200, "{method} {target}"),
                Callers::Signed(_) | Callers::EntraUser => {
                    let e = error_of(r, 401).await;
                    assert_eq!(e["code"], "Denied", "{method} {target}");
                }
            }
            checked += 1;
        }
    }
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(checked, documented, "every operation of the document");
}
