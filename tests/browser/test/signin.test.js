import { strict as assert } from 'node:assert';
import { before, test } from 'node:test';
import { launch, openPortal, openView, signIn } from '../lib/browser.js';
import { startServer } from '../lib/server.js';

let browser;
let server;
before(async () => {
  [browser, server] = await Promise.all([launch(), startServer()]);
});

/** Where the key could have been left behind in the tab. */
async function traces(page) {
  const stored = await page.evaluate(() => ({
    session: JSON.stringify({ ...sessionStorage }),
    local: JSON.stringify({ ...localStorage }),
    cookies: document.cookie,
    url: location.href,
    inputs: [...document.querySelectorAll('input, textarea')].map((i) => i.value).join(' '),
  }));
  return stored;
}

test('the server root redirects to the portal', async () => {
  const page = await openPortal(browser, server);
  assert.equal(page.url(), `${server.url}/portal/`);
});

test('a person signs in with the connection string serve prints, and the key goes nowhere but this tab', async () => {
  const page = await openPortal(browser, server);
  const requests = [];
  page.on('request', (r) => requests.push({ url: r.url(), headers: r.headers() }));
  await signIn(page, server);
  await assert.doesNotReject(page.getByRole('heading', { name: 'Generate an identity and an access token' }).waitFor());
  assert.equal(await page.locator('#account-endpoint').textContent(), `${server.url}/`);
  const t = await traces(page);
  assert.ok(t.session.includes(server.key), 'kept in sessionStorage for this tab');
  assert.equal(t.local, '{}');
  assert.equal(t.cookies, '');
  assert.ok(!t.inputs.includes(server.key), 'the sign-in field is emptied');
  const encoded = encodeURIComponent(server.key);
  for (const r of requests) {
    assert.ok(!r.url.includes(server.key) && !r.url.includes(encoded), `the key is not in ${r.url}`);
    assert.ok(!Object.values(r.headers).some((v) => v.includes(server.key)), 'the key is not sent');
    assert.equal(r.headers.cookie, undefined);
  }
  assert.ok(requests.some((r) => r.headers.authorization?.startsWith('HMAC-SHA256 ')), 'requests are signed');
});

test('a person signs in with only the key, the endpoint filled in from the page', async () => {
  const page = await openPortal(browser, server);
  await page.getByLabel('An access key').check();
  assert.equal(await page.getByLabel('Endpoint').inputValue(), `${server.url}/`);
  await page.getByLabel('Access key', { exact: true }).fill(server.key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Views' }).waitFor();
  assert.equal(await page.locator('#account-endpoint').textContent(), `${server.url}/`);
});

test('a wrong key is refused with a message that says so, and nothing is kept', async () => {
  const page = await openPortal(browser, server);
  const wrong = Buffer.from('not the key of this resource, 32b').toString('base64');
  await page.getByLabel('Connection string', { exact: true }).fill(`endpoint=${server.url}/;accesskey=${wrong}`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.locator('#signin-error');
  await alert.waitFor();
  assert.match(await alert.textContent(), /refused this key.*Denied/);
  assert.equal(await page.getByRole('navigation', { name: 'Views' }).isVisible(), false);
  assert.equal((await traces(page)).session, '{}');
});

test('a connection string that is not one is explained before anything is sent', async () => {
  const page = await openPortal(browser, server);
  let calls = 0;
  page.on('request', (r) => {
    if (r.url().includes('api-version')) calls += 1;
  });
  await page.getByLabel('Connection string', { exact: true }).fill('endpoint=https://h/');
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.match(await page.locator('#signin-error').textContent(), /no accesskey/);
  await page.getByLabel('Connection string', { exact: true }).fill(`endpoint=${server.url}/;accesskey=%%%`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.match(await page.locator('#signin-error').textContent(), /not valid base64/);
  assert.equal(calls, 0);
});

test('a reload keeps the session; signing out forgets the key and every token shown', async () => {
  const page = await openPortal(browser, server);
  await signIn(page, server);
  await page.reload();
  await page.getByRole('navigation', { name: 'Views' }).waitFor();
  await page.getByLabel('Chat chat').check();
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByRole('heading', { name: 'Generated' }).waitFor();
  const token = await page.locator('#res-token').textContent();
  assert.ok(token.length > 100);
  await openView(page, 'Use it from code');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to a resource' }).waitFor();
  const t = await traces(page);
  assert.equal(t.session, '{}');
  assert.equal(t.local, '{}');
  const html = await page.content();
  assert.ok(!html.includes(token), 'the token is gone from the page');
  assert.ok(!html.includes(server.key), 'the key is gone from the page');
  assert.ok(!t.url.includes('#'), 'no view is left in the address');
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in to a resource' }).waitFor();
  assert.equal(await page.getByRole('navigation', { name: 'Views' }).isVisible(), false);
});

test('over HTTPS, the default of serve, the page signs in and generates', async () => {
  const tls = await startServer({ tls: true });
  assert.match(tls.url, /^https:/);
  const page = await openPortal(browser, tls);
  await signIn(page, tls);
  await page.getByLabel('Chat chat').check();
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByRole('heading', { name: 'Generated' }).waitFor();
  assert.match(await page.locator('#res-id').textContent(), /^8:acs:/);
});

test('a connection string naming another host of this server signs in: requests are signed for the page’s host', async () => {
  const atLocalhost = { ...server, url: server.url.replace('127.0.0.1', 'localhost') };
  const page = await openPortal(browser, atLocalhost);
  const hosts = [];
  page.on('request', (r) => {
    if (r.headers().authorization) hosts.push(new URL(r.url()).host);
  });
  await signIn(page, atLocalhost);
  assert.equal(await page.locator('#account-endpoint').textContent(), `${server.url}/`);
  assert.ok(hosts.length > 0 && hosts.every((h) => h.startsWith('localhost:')), hosts.join());
});
