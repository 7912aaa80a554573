import { strict as assert } from 'node:assert';
import { before, test } from 'node:test';
import { launch, openPortal } from '../lib/browser.js';
import { startServer } from '../lib/server.js';

let page;
before(async () => {
  page = await openPortal(await launch(), await startServer());
});

test('the page signs a request exactly as the known-answer vector of src/client/signer.rs', async () => {
  const headers = await page.evaluate(async () => {
    const { fromBase64, importKey, signHeaders } = await import(new URL('sign.js', location.href).href);
    const key = await importKey(fromBase64('c3VwZXItc2VjcmV0LWFjcy1hY2Nlc3Mta2V5LTMyYnk='));
    return signHeaders({
      method: 'POST',
      pathAndQuery: '/identities?api-version=2023-10-01',
      host: '127.0.0.1:8089',
      body: '',
      key,
      now: new Date(1_795_237_916_000),
    });
  });
  assert.equal(headers['x-ms-date'], 'Sat, 21 Nov 2026 05:11:56 GMT');
  assert.equal(headers['x-ms-content-sha256'], '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  assert.equal(
    headers.authorization,
    'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=y/cfxLn0gyfaPNuNBMCDZZinE1FP9jSzWZ58dFHRqow=',
  );
});

test('a body changes the content hash the page signs', async () => {
  const hash = await page.evaluate(async () => {
    const { contentHash } = await import(new URL('sign.js', location.href).href);
    return contentHash('{"scopes":["chat"]}');
  });
  // base64(SHA-256('{"scopes":["chat"]}')), as `printf … | openssl dgst -sha256 -binary | base64` prints it.
  assert.equal(hash, 'J+doRQjtFVYLx3qOvzptwBLjQWqy6OEWEEk1TY1+rT4=');
});
