// The Entra token exchanges (Teams Phone extensibility, Entra ID users)
// through @azure/communication-common's AzureCommunicationTokenCredential
// with Entra options, as an app uses it: a TokenCredential that returns
// the stand-in issuer's tokens (interop/teams-issuer.js, which the server
// trusts), an endpoint with and without a final `/`, and the assignments
// made first through the REST API. Skipped without the issuer.
"use strict";

const { after, before, describe, it } = require("node:test");
const assert = require("node:assert/strict");
const {
  AzureCommunicationTokenCredential,
  createIdentifierFromRawId,
  getIdentifierKind,
} = require("@azure/communication-common");

const { callSigned, endpoint, verifyToken } = require("../helpers");

const {
  COMMID_TEAMS_EXTENSION_TOKEN: teamsExtensionToken,
  COMMID_ENTRA_USER_TOKEN: entraUserToken,
  COMMID_TEAMS_APP_ID: clientId,
  COMMID_TEAMS_USER_ID: objectId,
  COMMID_TEAMS_TENANT_ID: tenantId,
} = process.env;
const skip =
  !(teamsExtensionToken && entraUserToken && clientId && objectId && tenantId) &&
  "no test issuer: run interop/run";

const TEAMS_EXTENSION_SCOPE = "https://auth.msft.communication.azure.com/TeamsExtension.ManageCalls";
const TEAMS_EXTENSION = `/access/teamsExtension/tenants/${tenantId}/assignments/${objectId}?api-version=2025-06-30`;
const ENTRA = `/access/entra/assignments/${objectId}?api-version=2025-03-02-preview`;
const withSlash = endpoint.replace(/\/*$/, "/");
const withoutSlash = endpoint.replace(/\/*$/, "");

function claimsOf(jwt) {
  return JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString());
}

/** A TokenCredential (@azure/core-auth) that always gives `entraToken`, and the scopes it was asked for. */
function entraCredential(entraToken) {
  const asked = [];
  return {
    asked,
    getToken: async (scopes) => {
      asked.push(scopes);
      return { token: entraToken, expiresOnTimestamp: claimsOf(entraToken).exp * 1000 };
    },
  };
}

async function put(path, body, expected) {
  const response = await callSigned("PUT", path, body);
  assert.ok(expected.includes(response.status), `${response.status}: ${response.bodyAsText}`);
  return JSON.parse(response.bodyAsText);
}

/** The ACS token the credential gets, checked against its Entra token and commid's verification. */
async function exchanged(resourceEndpoint, entraToken, scopes) {
  const tokenCredential = entraCredential(entraToken);
  const credential = new AzureCommunicationTokenCredential({ resourceEndpoint, tokenCredential, scopes });
  try {
    const { token, expiresOnTimestamp } = await credential.getToken();
    const claims = claimsOf(token);
    assert.equal(claims.exp, claimsOf(entraToken).exp, "the token expires with the Entra token");
    assert.equal(expiresOnTimestamp, claims.exp * 1000);
    const verdict = await verifyToken(token);
    assert.equal(verdict.valid, true, JSON.stringify(verdict));
    assert.equal(verdict.identity.id, claims.sub);
    return { token, claims, asked: tokenCredential.asked };
  } finally {
    credential.dispose();
  }
}

describe("the JavaScript SDK's Entra credential", { skip }, () => {
  before(async () => {
    await put(TEAMS_EXTENSION, { principalType: "user", clientIds: [clientId] }, [200, 201]);
    await put(ENTRA, { tenantId, principalType: "user", clientIds: [clientId] }, [200, 201]);
  });

  after(async () => {
    await callSigned("DELETE", ENTRA);
  });

  for (const [name, resourceEndpoint] of [
    ["without", withoutSlash],
    ["with", withSlash],
  ]) {
    it(`exchanges a Teams Phone extensibility token for a Teams extension user, endpoint ${name} a final /`, async () => {
      const { claims, asked } = await exchanged(resourceEndpoint, teamsExtensionToken, [TEAMS_EXTENSION_SCOPE]);
      assert.deepEqual(asked[0], [TEAMS_EXTENSION_SCOPE]);
      assert.match(claims.sub, new RegExp(`^8:acs:[0-9a-f-]{36}_${tenantId}_${objectId}$`));
      // The SDK's own parser reads the id as a Teams extension user.
      const identifier = createIdentifierFromRawId(claims.sub);
      assert.equal(getIdentifierKind(identifier).kind, "teamsExtensionUser");
      assert.equal(identifier.userId, objectId);
      assert.equal(identifier.tenantId, tenantId);
      assert.equal(claims.acsScope, "voip");
    });

    it(`exchanges an Entra ID user's token with the default scope, endpoint ${name} a final /`, async () => {
      const { claims, asked } = await exchanged(resourceEndpoint, entraUserToken, undefined);
      assert.deepEqual(asked[0], ["https://communication.azure.com/clients/.default"]);
      assert.match(claims.sub, new RegExp(`^8:acs:[0-9a-f-]{36}_wf_${tenantId}_${objectId}$`));
      assert.equal(claims.acsScope, "chat,voip");
    });
  }

  it("once the assignment is deleted, its tokens are revoked and the credential fails", async () => {
    const { token } = await exchanged(withoutSlash, teamsExtensionToken, [TEAMS_EXTENSION_SCOPE]);
    const deleted = await callSigned("DELETE", TEAMS_EXTENSION);
    assert.equal(deleted.status, 204, deleted.bodyAsText);
    assert.deepEqual(await verifyToken(token), { valid: false, reason: "revoked" });
    const credential = new AzureCommunicationTokenCredential({
      resourceEndpoint: withoutSlash,
      tokenCredential: entraCredential(teamsExtensionToken),
      scopes: [TEAMS_EXTENSION_SCOPE],
    });
    await assert.rejects(credential.getToken(), /Status: 401.*InvalidAccessToken/);
    credential.dispose();
  });
});
