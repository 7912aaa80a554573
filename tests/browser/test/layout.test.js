import { strict as assert } from 'node:assert';
import { before, test } from 'node:test';
import { apiClient, createIdentity } from '../lib/api.js';
import { DESKTOP, PHONE, assertAccessible, launch, openPortal, openView, signIn } from '../lib/browser.js';
import { createMany, identitiesView, summary } from '../lib/identities.js';
import { startServer } from '../lib/server.js';

const CUSTOM_IDS = [
  'alice@contoso.example',
  'carol.jones@fabrikam.example',
  'team-berlin',
  // Longer than a column can hold: it wraps, and nothing else moves.
  'a-very-long-custom-id-without-any-space-that-goes-on-and-on-0123456789',
];

let browser;
let server;
let api;
before(async () => {
  [browser, server] = await Promise.all([launch(), startServer()]);
  api = apiClient(server);
  await createMany(() => createIdentity(api, { scopes: ['chat'] }), 21);
  for (const customId of CUSTOM_IDS) await createIdentity(api, { customId, scopes: ['chat'] });
});

/** How many lines each custom ID of the table takes, by custom ID. */
function customIdLines(page) {
  return page.locator('#id-rows .custom-id').evaluateAll((spans) =>
    Object.fromEntries(
      spans.map((s) => [s.textContent, Math.round(s.getBoundingClientRect().height / parseFloat(getComputedStyle(s).lineHeight))]),
    ),
  );
}

for (const width of [1280, 1240]) {
  test(`at ${width} px the table keeps custom IDs and identity IDs whole, and fits`, async () => {
    const page = await identitiesView(browser, server, { ...DESKTOP, width });
    await summary(page, /^Showing 1–25 of 25/);
    assert.equal(await page.locator('#id-table thead').isVisible(), true, 'a table, not cards');
    const lines = await customIdLines(page);
    for (const customId of CUSTOM_IDS.slice(0, 3)) assert.equal(lines[customId], 1, `${customId}: ${lines[customId]} lines`);
    // An identity ID breaks once, between its resource part and its own GUID.
    const idLines = await page.locator('#id-rows code.id').evaluateAll((codes) =>
      codes.map((c) => Math.round(c.getBoundingClientRect().height / parseFloat(getComputedStyle(c).lineHeight))),
    );
    assert.ok(idLines.every((n) => n <= 2), `identity IDs take ${idLines}`);
    const [scroll, client] = await page.locator('#view-identities .table-wrap').evaluate((w) => [w.scrollWidth, w.clientWidth]);
    assert.ok(scroll <= client, `the table scrolls sideways: ${scroll} > ${client}`);
  });
}

test('on a 390 px phone each identity is one line, and a tap shows the rest', async () => {
  const page = await identitiesView(browser, server, PHONE);
  await summary(page, /^Showing 1–25 of 25/);
  const rows = page.locator('#id-rows tr');
  const heights = await rows.evaluateAll((trs) => trs.map((tr) => tr.getBoundingClientRect().height));
  assert.equal(heights.length, 25);
  assert.ok(
    heights.every((h) => h < 56),
    `one line each: ${heights.map(Math.round)}`,
  );
  const listHeight = await page.locator('#id-table').evaluate((t) => t.getBoundingClientRect().height);
  assert.ok(listHeight < 1400, `the list of 25 is ${Math.round(listHeight)} px tall`);
  // A line shows the custom ID (or the identity's own GUID) and the day it was made.
  const alice = page.getByRole('button', { name: /^alice@contoso\.example/ });
  assert.equal(await alice.getAttribute('aria-expanded'), 'false');
  const tr = page.locator('#id-rows tr', { has: alice });
  assert.equal(await tr.locator('td[data-label="Identity"]').isVisible(), false);
  await alice.click();
  assert.equal(await alice.getAttribute('aria-expanded'), 'true');
  for (const label of ['Identity', 'Custom ID', 'Created', 'Last token issued', 'Actions']) {
    assert.equal(await tr.locator(`td[data-label="${label}"]`).isVisible(), true, label);
  }
  await tr.getByRole('button', { name: 'Revoke tokens' }).waitFor();
  await assertAccessible(page, 'an open row on a phone');
  await alice.click();
  assert.equal(await tr.locator('td[data-label="Identity"]').isVisible(), false, 'a second tap closes it');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
});

test('on a 390 px phone the decoded claims put each name above its value, which has the width', async () => {
  const { token } = await createIdentity(api, { scopes: ['chat', 'voip'] });
  const page = await openPortal(browser, server, PHONE);
  await signIn(page, server);
  await openView(page, 'Verify');
  await page.getByLabel('Access token', { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.locator('#verify-result').waitFor();
  const claims = await page.locator('#claims tr').evaluateAll((trs) =>
    trs.map((tr) => {
      const [name, value] = [tr.querySelector('th'), tr.querySelector('td')].map((e) => e.getBoundingClientRect());
      return { name: tr.querySelector('th').textContent, below: value.top >= name.bottom - 1, width: value.width };
    }),
  );
  const table = await page.locator('table.claims').evaluate((t) => t.getBoundingClientRect().width);
  assert.ok(claims.length > 8);
  for (const c of claims) {
    assert.ok(c.below, `${c.name}: the value is below the name`);
    assert.ok(c.width > 0.9 * table, `${c.name}: the value has ${Math.round(c.width)} of ${Math.round(table)} px`);
  }
  await assertAccessible(page, 'the decoded claims on a phone');
});
