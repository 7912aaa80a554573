// The second half of the quickstart: @azure/communication-identity built
// from an endpoint and a TokenCredential (as with DefaultAzureCredential),
// with managed identities' tokens of the stand-in issuer interop/run makes
// and grants roles to. Each role runs what it may and gets 403 for the rest.
"use strict";

const { describe, it } = require("node:test");
const assert = require("node:assert/strict");
const { CommunicationIdentityClient } = require("@azure/communication-identity");

const endpoint = process.env.COMMID_ENDPOINT;
const tokens = {
  owner: process.env.COMMID_OWNER_TOKEN,
  issuer: process.env.COMMID_ISSUER_TOKEN,
  reader: process.env.COMMID_READER_TOKEN,
  nobody: process.env.COMMID_NOBODY_TOKEN,
};
const skip = !(endpoint && Object.values(tokens).every(Boolean))
  ? "needs interop/run's stand-in issuer and its granted roles"
  : false;

/** A TokenCredential returning `token`, recording the scopes asked for. */
function credential(token) {
  const scopes = [];
  return {
    scopes,
    async getToken(asked) {
      scopes.push(asked);
      return { token, expiresOnTimestamp: Date.now() + 3600 * 1000 };
    },
  };
}

async function refused(call, token) {
  await assert.rejects(call, (e) => {
    assert.equal(e.statusCode, 403);
    assert.equal(e.code, "AuthorizationFailed");
    assert.ok(!String(e.message).includes(token), "the token leaked into the error");
    return true;
  });
}

describe("the identity client with a TokenCredential", { skip }, () => {
  it("an owner runs the quickstart, and the SDK asks for Communication Services", async () => {
    const cred = credential(tokens.owner);
    const client = new CommunicationIdentityClient(endpoint, cred);
    const user = await client.createUser();
    const token = await client.getToken(user, ["voip"]);
    assert.equal(token.token.split(".").length, 3);
    const { user: user2 } = await client.createUserAndToken(["chat"]);
    await client.revokeTokens(user);
    await client.deleteUser(user);
    await client.deleteUser(user2);
    assert.ok(
      cred.scopes.flat().includes("https://communication.azure.com//.default"),
      JSON.stringify(cred.scopes),
    );
  });

  it("an issuer creates and issues, and gets 403 for revoke and delete", async () => {
    const client = new CommunicationIdentityClient(endpoint, credential(tokens.issuer));
    const user = await client.createUser();
    await client.getToken(user, ["chat"]);
    await refused(() => client.revokeTokens(user), tokens.issuer);
    await refused(() => client.deleteUser(user), tokens.issuer);
  });

  it("a reader and a principal without a role get 403 for create", async () => {
    for (const role of ["reader", "nobody"]) {
      const client = new CommunicationIdentityClient(endpoint, credential(tokens[role]));
      await refused(() => client.createUser(), tokens[role]);
    }
  });
});
