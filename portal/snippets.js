// Use it from code: the seeds' quickstarts for the signed-in resource, its
// endpoint filled in and the key left as a placeholder.

import { $, copyButton, el } from './dom.js';

const KEY = '<your-access-key>';
const CA = 'commid-data/tls/ca.pem';

function snippets(endpoint) {
  const cs = `endpoint=${endpoint};accesskey=${KEY}`;
  const env = `export COMMUNICATION_SERVICES_CONNECTION_STRING="${cs}"`;
  return [
    ['Python', 'python', `# pip install azure-communication-identity
# ${env}

import os
from azure.communication.identity import CommunicationIdentityClient

connection_string = os.environ["COMMUNICATION_SERVICES_CONNECTION_STRING"]
client = CommunicationIdentityClient.from_connection_string(connection_string)

identity, token = client.create_user_and_token(["voip"])
print("Created an identity with ID: " + identity.properties["id"])
print("Issued an access token that expires at " + str(token.expires_on))
client.revoke_tokens(identity)
client.delete_user(identity)`],
    ['JavaScript', 'javascript', `// npm install @azure/communication-identity
// ${env}

const { CommunicationIdentityClient } = require("@azure/communication-identity");

const main = async () => {
  const connectionString = process.env["COMMUNICATION_SERVICES_CONNECTION_STRING"];
  const identityClient = new CommunicationIdentityClient(connectionString);
  const { user, token, expiresOn } = await identityClient.createUserAndToken(["voip"]);
  console.log(\`Created an identity with ID: \${user.communicationUserId}\`);
  console.log(\`Issued an access token that expires at \${expiresOn}\`);
  await identityClient.revokeTokens(user);
  await identityClient.deleteUser(user);
};
main().catch(console.error);`],
    ['.NET', 'csharp', `// dotnet add package Azure.Communication.Identity
// ${env}

using Azure.Communication.Identity;

string connectionString = Environment.GetEnvironmentVariable("COMMUNICATION_SERVICES_CONNECTION_STRING");
var client = new CommunicationIdentityClient(connectionString);
var result = await client.CreateUserAndTokenAsync(scopes: new[] { CommunicationTokenScope.VoIP });
var identity = result.Value.User;
Console.WriteLine($"Created an identity with ID: {identity.Id}");
Console.WriteLine($"Issued an access token that expires at {result.Value.AccessToken.ExpiresOn}");
await client.RevokeTokensAsync(identity);
await client.DeleteUserAsync(identity);`],
    ['Java', 'java', `// com.azure:azure-communication-identity

String endpoint = "${endpoint}";
String accessKey = "${KEY}";

CommunicationIdentityClient client = new CommunicationIdentityClientBuilder()
        .endpoint(endpoint)
        .credential(new AzureKeyCredential(accessKey))
        .buildClient();
CommunicationUserIdentifierAndToken result =
        client.createUserAndToken(Arrays.asList(CommunicationTokenScope.VOIP));
CommunicationUserIdentifier user = result.getUser();
System.out.println("Created an identity with ID: " + user.getId());
System.out.println("Issued an access token that expires at " + result.getUserToken().getExpiresAt());
client.revokeTokens(user);
client.deleteUser(user);`],
    ['az CLI', 'shell', `az extension add --name communication
export AZURE_COMMUNICATION_CONNECTION_STRING="${cs}"
az communication identity user create
az communication identity token issue --scope chat voip
az communication identity token issue --scope voip --user "8:acs:…"
az communication identity token revoke --user "8:acs:…"
az communication identity user delete --user "8:acs:…"`],
    ['commid CLI', 'shell', `export AZURE_COMMUNICATION_CONNECTION_STRING="${cs}"
commid identity user create --custom-id alice     # get-or-create: alice's identity
commid identity token issue --scope chat voip --expires-in-minutes 60 --user "8:acs:…"
commid identity token verify --token "<token>"
commid identity user list --custom-id alice
commid identity user list --custom-id-prefix team  # custom IDs that start with team, A to Z
commid identity user list --idle-since 2026-01-01T00:00:00Z --top 50 -o table
commid identity user count
commid identity user changes --follow             # creates, deletes, revocations as they happen
commid identity token revoke --user "8:acs:…"
commid identity user delete --user "8:acs:…"`],
  ];
}

function trust() {
  return `# The certificate \`commid serve\` printed after "TLS certificate:" (${CA} by default).
export REQUESTS_CA_BUNDLE=${CA}     # Python, az CLI
export SSL_CERT_FILE=${CA}          # Python async clients (aiohttp)
export NODE_EXTRA_CA_CERTS=${CA}    # JavaScript (Node.js)
commid identity … --ca-cert ${CA}   # commid CLI

# .NET (Linux) and browsers: the system's trust store (Debian, Ubuntu)
sudo cp ${CA} /usr/local/share/ca-certificates/commid.crt && sudo update-ca-certificates

# Java: a trust store for the JVM
keytool -importcert -noprompt -alias commid -file ${CA} -keystore commid.p12 -storepass changeit
java -Djavax.net.ssl.trustStore=commid.p12 -Djavax.net.ssl.trustStorePassword=changeit …`;
}

function block(title, language, text, open) {
  const code = el('code', { class: `language-${language}` }, text);
  return el(
    'details',
    { class: 'snippet', open },
    el('summary', {}, title),
    el(
      'div',
      { class: 'snippet-body' },
      // Scrolls sideways on a narrow screen: focusable, so keys can scroll it.
      el('pre', { tabindex: '0', role: 'region', 'aria-label': `${title} code` }, code),
      copyButton(text, `${title} code`),
    ),
  );
}

/** Shows the snippets for `endpoint`, and how to trust the server's certificate. */
export function render(endpoint) {
  const blocks = snippets(endpoint).map(([title, language, text], i) => block(title, language, text, i === 0));
  blocks.push(block('Over HTTPS: trust the self-signed certificate', 'shell', trust(), false));
  $('snippets').replaceChildren(...blocks);
}

export function reset() {
  $('snippets').replaceChildren();
}
