// The Teams exchange (getTokenForTeamsUser) through @azure/communication-identity,
// with Entra-like tokens of the stand-in issuer that interop/run makes
// (interop/teams-issuer.js) and the server trusts; skipped without it.
"use strict";

const { describe, it } = require("node:test");
const assert = require("node:assert/strict");
const { isRestError } = require("@azure/core-rest-pipeline");

const { assertAcceptedByTokenCredential, newClient, verifyToken } = require("../helpers");

const {
  COMMID_TEAMS_TOKEN: token,
  COMMID_TEAMS_EXPIRED_TOKEN: expiredToken,
  COMMID_TEAMS_APP_ID: clientId,
  COMMID_TEAMS_USER_ID: userObjectId,
} = process.env;
const skip = !(token && expiredToken && clientId && userObjectId) && "no test issuer: run interop/run";
const OTHER_GUID = "6fd0ee0c-6a18-4bd5-a4b9-8b3b2b0e4d21";

function claimsOf(jwt) {
  return JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString());
}

function restError(statusCode, code, target) {
  return (e) => {
    assert.ok(isRestError(e), `not a RestError: ${e && e.stack}`);
    assert.equal(e.statusCode, statusCode, e.message);
    assert.equal(e.code, code, e.message);
    if (target !== undefined) assert.equal(e.details?.error?.target, target);
    return true;
  };
}

describe("the JavaScript SDK's Teams exchange", { skip }, () => {
  const client = newClient();

  it("getTokenForTeamsUser returns a token of the Teams user that expires with the Entra token", async () => {
    const result = await client.getTokenForTeamsUser({ teamsUserAadToken: token, clientId, userObjectId });
    await assertAcceptedByTokenCredential(result);
    const ours = claimsOf(result.token);
    assert.equal(ours.sub, `8:orgid:${userObjectId}`);
    assert.equal(ours.exp, claimsOf(token).exp);
    assert.equal(Math.floor(result.expiresOn.getTime() / 1000), ours.exp);
    const verdict = await verifyToken(result.token);
    assert.equal(verdict.valid, true, JSON.stringify(verdict));
    assert.equal(verdict.identity.id, `8:orgid:${userObjectId}`);
  });

  it("another user's object id fails with a 400 ValidationError on userId", async () => {
    await assert.rejects(
      client.getTokenForTeamsUser({ teamsUserAadToken: token, clientId, userObjectId: OTHER_GUID }),
      restError(400, "ValidationError", "userId"),
    );
  });

  it("another client id fails with a 400 ValidationError on appId", async () => {
    await assert.rejects(
      client.getTokenForTeamsUser({ teamsUserAadToken: token, clientId: OTHER_GUID, userObjectId }),
      restError(400, "ValidationError", "appId"),
    );
  });

  for (const [name, aadToken] of [["an expired", expiredToken], ["a malformed", "invalid"]]) {
    it(`${name} Entra token fails with a 401 InvalidAccessToken`, async () => {
      await assert.rejects(
        client.getTokenForTeamsUser({ teamsUserAadToken: aadToken, clientId, userObjectId }),
        restError(401, "InvalidAccessToken"),
      );
    });
  }
});
