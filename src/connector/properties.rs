//! `apiProperties.json`: the connection's two parameters (the host of the
//! maker's commid server and its connection string), the brand colour, the
//! publisher, and the policy that sends each connection to its own host.

use super::table;
use serde_json::{Value, json};

/// The connection parameter the `Connection-String` API key is read from:
/// Power Platform pairs an `apiKey` security definition with `api_key`.
pub const API_KEY: &str = "api_key";

/// The connection parameter naming the host each connection calls.
pub const HOST: &str = "host";

/// `stack_owner`: `false` for the copy given to `paconn create` and
/// `paconn update`, which refuse `stackOwner`.
pub fn api_properties(stack_owner: bool) -> Value {
    let mut properties = json!({
        "connectionParameters": {
            HOST: {
                "type": "string",
                "uiDefinition": {
                    "displayName": "Host",
                    "description": "The host name of your commid server, with the port if it is not 443.",
                    "tooltip": "The host of the address commid serves at, for example identity.example.com \
                        for https://identity.example.com/: no https://, no path.",
                    "constraints": {"tabIndex": 1, "required": "true"}
                }
            },
            API_KEY: {
                "type": "securestring",
                "uiDefinition": {
                    "displayName": "Connection String",
                    "description": "The connection string of your commid resource.",
                    "tooltip": "On the server, run: commid resource show-keys (add --name NAME for a resource \
                        other than default), and copy primaryConnectionString, which reads endpoint=https://…/;accesskey=….",
                    "constraints": {"tabIndex": 2, "clearText": false, "required": "true"}
                }
            }
        },
        "iconBrandColor": table::BRAND_COLOR,
        "capabilities": [],
        "policyTemplateInstances": [{
            "templateId": "dynamichosturl",
            "title": "Call the connection's host",
            "parameters": {
                "x-ms-apimTemplateParameter.urlTemplate": format!("https://@connectionParameters('{HOST}')")
            }
        }],
        "publisher": table::PUBLISHER,
    });
    if stack_owner {
        properties["stackOwner"] = json!(table::STACK_OWNER);
    }
    json!({ "properties": properties })
}
