// "Sign in with <issuer>" against a real OpenID Connect provider
// (node-oidc-provider, lib/issuer.js): authorization code with PKCE as a
// public client, the access token kept in the tab and sent as a Bearer
// token, and a page that offers what the person's role allows.

import { strict as assert } from 'node:assert';
import { before, test } from 'node:test';
import { apiClient, createIdentity } from '../lib/api.js';
import { assertAccessible, launch, openPortal, problems, screenshot } from '../lib/browser.js';
import { logIn, startIssuer } from '../lib/issuer.js';
import { grant, startServer } from '../lib/server.js';

let browser;
let server;
let issuer;
before(async () => {
  issuer = await startIssuer();
  [browser, server] = await Promise.all([launch(), startServer({ config: issuer.config })]);
  issuer.serve(server.url);
  grant(server, 'reader', 'sub:rita');
  grant(server, 'owner', 'sub:olga');
  grant(server, 'issuer', 'sub:ivan');
  await createIdentity(apiClient(server), { customId: 'made-by-the-key' });
});

/** Signs in as `name` with the issuer; resolves once the page shows the views. */
async function signInWithIssuer(page, name) {
  await page.getByRole('button', { name: 'Sign in with Test ID' }).click();
  await page.waitForURL((url) => url.origin === issuer.issuer);
  await logIn(page, name);
  await page.getByRole('navigation', { name: 'Views' }).waitFor();
}

const buttonsNamed = (page, name) => page.getByRole('button', { name, exact: true });

test('a reader signs in with the issuer and sees the identities, without a button that writes', async () => {
  const page = await openPortal(browser, server);
  await page.getByRole('button', { name: 'Sign in with Test ID' }).waitFor();
  await screenshot(page, 'signin-issuer');
  await assertAccessible(page, 'the sign-in page with an issuer');
  await signInWithIssuer(page, 'rita');
  assert.match(await page.locator('#account').textContent(), /as rita \(reader, with Test ID\)/);
  // Readers list and verify; they have no Generate.
  assert.equal(await page.getByRole('link', { name: 'Generate' }).isVisible(), false);
  await page.getByRole('heading', { name: 'Identities' }).waitFor();
  await page.locator('span.custom-id', { hasText: 'made-by-the-key' }).waitFor();
  for (const name of ['Issue token', 'Revoke tokens', 'Delete']) {
    assert.equal(await buttonsNamed(page, name).count(), 0, `no ${name} button`);
  }
  assert.equal(await page.getByRole('columnheader', { name: 'Actions' }).isVisible(), false, 'no empty Actions column');
  await screenshot(page, 'identities-reader');
  const stored = await page.evaluate(() => ({ session: JSON.stringify({ ...sessionStorage }), local: { ...localStorage } }));
  assert.match(stored.session, /accessToken/, 'the access token is kept in this tab');
  assert.deepEqual(stored.local, {});
  assert.equal(page.url(), `${server.url}/portal/#identities`, 'the code and state left the address bar');
  assert.deepEqual(await problems(page), []);
  await assertAccessible(page, 'the identities, as a reader');
});

test('an owner signs in with the issuer, creates an identity and issues it a token, all with Bearer tokens', async () => {
  const page = await openPortal(browser, server);
  const authorizations = [];
  page.on('request', (r) => {
    if (r.url().startsWith(server.url) && r.url().includes('api-version')) authorizations.push(r.headers().authorization);
  });
  await signInWithIssuer(page, 'olga');
  assert.match(await page.locator('#account').textContent(), /as olga \(owner, with Test ID\)/);
  await page.locator('#scope-chat').check();
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await page.getByRole('heading', { name: 'Generated' }).waitFor();
  const id = await page.locator('#res-id').textContent();
  assert.match(id, /^8:acs:/);
  assert.ok((await page.locator('#res-token').textContent()).length > 100, 'a token was issued');
  // The list offers an owner every action.
  await page.getByRole('link', { name: 'Identities' }).click();
  await page.locator('span.custom-id', { hasText: 'made-by-the-key' }).waitFor();
  for (const name of ['Issue token', 'Revoke tokens', 'Delete']) {
    assert.ok((await buttonsNamed(page, name).count()) > 0, `a ${name} button`);
  }
  assert.ok(authorizations.length > 0);
  assert.ok(authorizations.every((a) => a.startsWith('Bearer ')), 'every API call carries the access token');
  assert.deepEqual(await problems(page), []);
});

test('an issuer signs in and may generate, but is offered no list to delete or revoke from', async () => {
  const page = await openPortal(browser, server);
  await signInWithIssuer(page, 'ivan');
  assert.match(await page.locator('#account').textContent(), /\(issuer, with Test ID\)/);
  await page.getByRole('heading', { name: 'Generate an identity and an access token' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Identities' }).isVisible(), false);
  assert.equal(await page.getByRole('link', { name: 'Verify' }).isVisible(), false);
  await page.locator('#scope-chat').check();
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await page.getByRole('heading', { name: 'Generated' }).waitFor();
});

test('a person with no role is told so, and nothing is kept', async () => {
  const page = await openPortal(browser, server);
  await page.getByRole('button', { name: 'Sign in with Test ID' }).click();
  await logIn(page, 'nobody');
  const alert = page.locator('#signin-error');
  await alert.waitFor();
  assert.match(await alert.textContent(), /as nobody, who holds no role on this resource/);
  assert.equal(await page.getByRole('navigation', { name: 'Views' }).isVisible(), false);
  assert.equal(await page.evaluate(() => JSON.stringify({ ...sessionStorage })), '{}');
});

test('the sign-in button is reached with Tab and pressed with Enter', async () => {
  const page = await openPortal(browser, server);
  let reached = false;
  for (let i = 0; i < 20 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement.textContent === 'Sign in with Test ID');
  }
  assert.ok(reached, 'Tab reaches "Sign in with Test ID"');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'the focus shows');
  await page.keyboard.press('Enter');
  await page.waitForURL((url) => url.origin === issuer.issuer);
  const url = new URL(page.url());
  if (url.pathname.startsWith('/interaction/')) {
    await logIn(page, 'rita');
    await page.getByRole('navigation', { name: 'Views' }).waitFor();
  }
});

test('the request to the issuer carries a PKCE S256 challenge, a state and a nonce, and no secret', async () => {
  const page = await openPortal(browser, server);
  const authorize = new Promise((resolve) =>
    page.on('request', (r) => {
      if (r.url().startsWith(`${issuer.issuer}/auth`)) resolve(new URL(r.url()));
    }),
  );
  await page.getByRole('button', { name: 'Sign in with Test ID' }).click();
  const url = await authorize;
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  assert.match(url.searchParams.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
  assert.ok(url.searchParams.get('state').length >= 40);
  assert.ok(url.searchParams.get('nonce').length >= 40);
  assert.equal(url.searchParams.get('client_secret'), null);
  assert.equal(url.searchParams.get('redirect_uri'), `${server.url}/portal/`);
});

test('a kept token the server refuses signs the person out on reload, with the reason', async () => {
  const page = await openPortal(browser, server);
  await signInWithIssuer(page, 'rita');
  await page.evaluate(() => {
    const key = 'commid.portal.session';
    const session = JSON.parse(sessionStorage.getItem(key));
    session.accessToken = `${session.accessToken.slice(0, -4)}AAAA`;
    sessionStorage.setItem(key, JSON.stringify(session));
  });
  await page.reload();
  const alert = page.locator('#signin-error');
  await alert.waitFor();
  assert.match(await alert.textContent(), /Signed out: The server refused the token of Test ID/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('commid.portal.session')), null);
});
