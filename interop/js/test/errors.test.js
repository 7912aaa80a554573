// Error paths as @azure/communication-identity surfaces them: a RestError
// carrying the HTTP status (.statusCode) and the service error code (.code).
"use strict";

const { describe, it } = require("node:test");
const assert = require("node:assert/strict");
const { randomBytes } = require("node:crypto");
const { isRestError } = require("@azure/core-rest-pipeline");

const { endpoint, newClient, verifyToken } = require("../helpers");

function restError(statusCode, code, check = () => {}) {
  return (e) => {
    assert.ok(isRestError(e), `not a RestError: ${e && e.stack}`);
    assert.equal(e.name, "RestError");
    assert.equal(e.statusCode, statusCode, e.message);
    if (code !== undefined) assert.equal(e.code, code, e.message);
    check(e);
    return true;
  };
}

function clientWithWrongKey() {
  const wrongKey = randomBytes(32).toString("base64");
  return newClient(`endpoint=${endpoint};accesskey=${wrongKey}`);
}

describe("the JavaScript SDK's error paths", () => {
  const identityClient = newClient();

  for (const minutes of [59, 1441]) {
    it(`getToken with tokenExpiresInMinutes ${minutes} fails with a 400 ValidationError`, async () => {
      const user = await identityClient.createUser();
      await assert.rejects(
        identityClient.getToken(user, ["voip"], { tokenExpiresInMinutes: minutes }),
        restError(400, "ValidationError", (e) => {
          assert.match(e.message, new RegExp(`ExpiresInMinutes value ${minutes} is invalid`));
          assert.equal(e.details?.error?.target, "ExpiresInMinutes");
        }),
      );
    });

    it(`createUserAndToken with tokenExpiresInMinutes ${minutes} fails with a 400 ValidationError`, async () => {
      await assert.rejects(
        identityClient.createUserAndToken(["voip"], { tokenExpiresInMinutes: minutes }),
        restError(400, "ValidationError"),
      );
    });
  }

  it("getToken with an unknown scope is refused with 400", async () => {
    const user = await identityClient.createUser();
    await assert.rejects(
      identityClient.getToken(user, ["voip", "not.a.scope"]),
      restError(400, undefined, (e) => assert.ok(e.code, "no error code")),
    );
  });

  it("createUserAndToken with an unknown scope is refused with 400", async () => {
    await assert.rejects(identityClient.createUserAndToken(["chat.write"]), restError(400));
  });

  it("getToken after deleteUser fails with 404", async () => {
    const user = await identityClient.createUser();
    await identityClient.getToken(user, ["voip"]);
    await identityClient.deleteUser(user);
    await assert.rejects(
      identityClient.getToken(user, ["voip"]),
      restError(404, undefined, (e) => assert.ok(e.code, "no error code")),
    );
  });

  it("revokeTokens of a deleted user fails with 404", async () => {
    const user = await identityClient.createUser();
    await identityClient.deleteUser(user);
    await assert.rejects(identityClient.revokeTokens(user), restError(404));
  });

  it("a wrong access key makes createUser fail with 401 Denied", async () => {
    await assert.rejects(clientWithWrongKey().createUser(), restError(401, "Denied"));
  });

  for (const operation of ["getToken", "createUserAndToken", "revokeTokens", "deleteUser"]) {
    it(`a wrong access key makes ${operation} fail with 401 and changes nothing`, async () => {
      const user = await identityClient.createUser();
      const { token } = await identityClient.getToken(user, ["voip"]);
      const bad = clientWithWrongKey();
      const calls = {
        getToken: () => bad.getToken(user, ["voip"]),
        createUserAndToken: () => bad.createUserAndToken(["voip"]),
        revokeTokens: () => bad.revokeTokens(user),
        deleteUser: () => bad.deleteUser(user),
      };
      await assert.rejects(calls[operation](), restError(401));
      assert.equal((await verifyToken(token)).valid, true);
    });
  }
});
