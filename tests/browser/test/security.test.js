import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { before, test } from 'node:test';
import { apiClient, createIdentity } from '../lib/api.js';
import { launch, openPortal, openView, problems, signIn } from '../lib/browser.js';
import { startServer } from '../lib/server.js';

let browser;
let server;
let api;
before(async () => {
  [browser, server] = await Promise.all([launch(), startServer()]);
  api = apiClient(server);
});

const MARKUP = '<img src=x onerror="window.pwned=1"><b>bold</b>';

function assertSecurityHeaders(headers, where) {
  const csp = headers['content-security-policy'] || '';
  for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"]) {
    assert.ok(csp.includes(directive), `${where}: CSP has ${directive}: ${csp}`);
  }
  assert.ok(!/unsafe-inline|unsafe-eval/.test(csp), `${where}: no unsafe-*`);
  assert.equal(headers['x-content-type-options'], 'nosniff', where);
  assert.equal(headers['referrer-policy'], 'no-referrer', where);
}

test('every file of the page, its redirects and its 404 carry the security headers', async () => {
  const files = readdirSync(new URL('../../../portal/', import.meta.url));
  const types = { html: 'text/html', css: 'text/css', js: 'text/javascript', svg: 'image/svg+xml' };
  for (const file of files) {
    const path = file === 'index.html' ? '/portal/' : `/portal/${file}`;
    const r = await fetch(`${server.url}${path}`, { redirect: 'manual' });
    assert.equal(r.status, 200, path);
    const type = r.headers.get('content-type');
    assert.ok(type.startsWith(types[file.split('.').pop()]), `${path}: ${type}`);
    assertSecurityHeaders(Object.fromEntries(r.headers), path);
  }
  for (const path of ['/', '/portal']) {
    const r = await fetch(`${server.url}${path}`, { redirect: 'manual' });
    assert.equal(r.status, 302, path);
    assert.equal(r.headers.get('location'), '/portal/');
    assertSecurityHeaders(Object.fromEntries(r.headers), path);
  }
  const missing = await fetch(`${server.url}/portal/nothing.js`);
  assert.equal(missing.status, 404);
  assertSecurityHeaders(Object.fromEntries(missing.headers), '404');
});

test('a whole session loads nothing from elsewhere, under 150 KB, without a CSP violation', async () => {
  const responses = [];
  const page = await openPortal(browser, server, undefined, (p) => p.on('response', (r) => responses.push(r)));
  await signIn(page, server);
  await page.getByLabel('Chat chat').check();
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByRole('heading', { name: 'Generated' }).waitFor();
  await page.getByRole('button', { name: 'Copy access token' }).click();
  const token = await page.locator('#res-token').textContent();
  await openView(page, 'Identities');
  await page.waitForFunction(() => document.getElementById('id-summary').textContent !== 'Loading…');
  await openView(page, 'Verify');
  await page.getByLabel('Access token', { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.locator('#verify-result').waitFor();
  await openView(page, 'Use it from code');
  for (const summary of await page.locator('#snippets summary').all()) await summary.click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  assert.deepEqual(await problems(page), []);
  let bytes = 0;
  for (const r of responses) {
    assert.equal(new URL(r.url()).origin, server.url, `only the server itself: ${r.url()}`);
    if (new URL(r.url()).pathname.startsWith('/portal/')) {
      assert.equal(r.status(), 200, r.url());
      assertSecurityHeaders(await r.allHeaders(), r.url());
      bytes += (await r.body()).length;
    }
  }
  assert.ok(bytes > 10_000 && bytes < 150 * 1024, `the page is ${bytes} bytes`);
});

test('markup in an API error message renders as text', async () => {
  // The page checks what it can before sending, so the server's own
  // refusals rarely quote markup back: an answer carrying some is made here.
  const { id } = await createIdentity(api);
  const page = await openPortal(browser, server);
  await signIn(page, server);
  await page.route('**/:issueAccessToken?*', (route) =>
    route.fulfill({
      status: 400,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'ValidationError', message: MARKUP } }),
    }),
  );
  await page.getByLabel('An existing identity').check();
  await page.getByLabel('Identity ID', { exact: true }).fill(id);
  await page.getByLabel('Chat chat').check();
  await page.getByRole('button', { name: 'Generate' }).click();
  const error = page.locator('#gen-error');
  await error.waitFor();
  assert.equal(await error.textContent(), MARKUP);
  assert.equal(await page.locator('#gen-error *').count(), 0);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.deepEqual(await problems(page), []);
});

test('markup in a pasted token stays text in the decoded claims', async () => {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const token = `${part({ alg: 'ES256', kid: MARKUP })}.${part({ sub: MARKUP, acsScope: MARKUP })}.c2ln`;
  const page = await openPortal(browser, server);
  await signIn(page, server);
  await openView(page, 'Verify');
  await page.getByLabel('Access token', { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.locator('#verify-result').waitFor();
  assert.ok((await page.locator('#claims').textContent()).includes(MARKUP));
  assert.equal(await page.locator('#claims img, #claims b').count(), 0);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
});

test('markup in a custom ID stays text in the result and in the table', async () => {
  const page = await openPortal(browser, server);
  await signIn(page, server);
  await page.getByLabel('Custom ID').fill(MARKUP);
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByRole('heading', { name: 'Generated' }).waitFor();
  assert.equal(await page.locator('#res-custom').textContent(), MARKUP);
  await openView(page, 'Identities');
  await page.getByLabel('Search', { exact: true }).fill(MARKUP);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const cell = page.locator('#id-rows td[data-label="Custom ID"]');
  await cell.waitFor();
  assert.equal(await cell.textContent(), MARKUP);
  assert.equal(await page.locator('#id-rows .line-name').textContent(), MARKUP, 'the line a phone shows too');
  assert.ok((await page.locator('#id-summary').textContent()).includes(`“${MARKUP}”`), 'and the summary');
  assert.equal(await page.locator('main img, main b').count(), 0);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.deepEqual(await problems(page), []);
});

test('the code snippets have the endpoint filled in and the key left out', async () => {
  await createIdentity(api);
  const page = await openPortal(browser, server);
  await signIn(page, server);
  await openView(page, 'Use it from code');
  const titles = await page.locator('#snippets summary').allTextContents();
  for (const language of ['Python', 'JavaScript', '.NET', 'Java', 'az CLI', 'commid CLI']) {
    assert.ok(titles.includes(language), `a ${language} snippet`);
  }
  assert.ok(titles.some((t) => /trust the self-signed certificate/.test(t)));
  for (const snippet of await page.locator('#snippets details').all()) {
    const text = await snippet.locator('pre').textContent();
    if (!/CA_BUNDLE/.test(text)) {
      assert.ok(text.includes(`${server.url}/`), `the endpoint is in: ${text.slice(0, 80)}`);
      assert.ok(text.includes('<your-access-key>'));
    }
    assert.ok(!text.includes(server.key), 'never the key');
  }
  const python = page.locator('#snippets details').first();
  await python.getByRole('button', { name: 'Copy Python code' }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await python.locator('pre').textContent());
});

test('the CSP blocks a script injected into the page, and the violation is reported', async () => {
  const page = await openPortal(browser, server);
  await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.pwned = 1';
    document.body.append(script);
  });
  await page.waitForFunction(() => window.cspViolations.length > 0);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.match((await problems(page))[0], /script-src/);
});
