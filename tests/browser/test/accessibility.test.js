import { strict as assert } from 'node:assert';
import { before, test } from 'node:test';
import { apiClient, createIdentity } from '../lib/api.js';
import {
  DESKTOP,
  PHONE,
  assertAccessible,
  clipboard,
  launch,
  openPortal,
  openView,
  screenshot,
  signIn,
} from '../lib/browser.js';
import { startServer } from '../lib/server.js';

let browser;
let server;
let api;
before(async () => {
  [browser, server] = await Promise.all([launch(), startServer()]);
  api = apiClient(server);
  // Some with a custom ID, some without; one (bob) never had a token.
  for (const customId of ['alice', 'bob', undefined, 'carol', 'dave', undefined, 'erin']) {
    await createIdentity(api, { customId, scopes: customId === 'bob' ? undefined : ['chat'] });
  }
});

async function noSidewaysScroll(page, where) {
  const [scroll, width, tabs] = await page.evaluate(() => {
    const nav = document.querySelector('.tabs ul');
    return [document.documentElement.scrollWidth, window.innerWidth, nav.scrollWidth <= nav.clientWidth];
  });
  assert.ok(scroll <= width, `${where} scrolls sideways: ${scroll} > ${width}`);
  assert.ok(tabs, `${where}: every tab fits`);
}

/** Each view as a person sees it: axe, width, and the screenshots `shots` names (docs/portal.md shows them). */
async function walk(viewport, prefix, shots) {
  const page = await openPortal(browser, server, viewport);
  const check = async (name) => {
    await assertAccessible(page, `${name} at ${viewport.width} px`);
    await noSidewaysScroll(page, name);
    if (shots.includes(name)) await screenshot(page, `${prefix}${name}`);
  };
  await check('signin');
  await signIn(page, server);
  await page.getByLabel('Chat chat').check();
  await page.getByLabel('Voice and video calling (VOIP) voip').check();
  await page.getByLabel('Custom ID').fill('frank');
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByRole('heading', { name: 'Generated' }).waitFor();
  const token = await page.locator('#res-token').textContent();
  await check('generate');
  await openView(page, 'Identities');
  await page.waitForFunction(() => document.getElementById('id-summary').textContent !== 'Loading…');
  await check('identities');
  const { id } = await createIdentity(api, { scopes: ['chat'] });
  await page.getByLabel('Search', { exact: true }).fill(id);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const row = page.locator(`#id-rows tr[data-id="${id}"]`);
  await row.getByRole('button', { name: 'Revoke tokens' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke tokens' }).click();
  await row.getByText(/^Tokens revoked/).waitFor();
  await check('search');
  await row.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').waitFor();
  await check('delete');
  await page.keyboard.press('Escape');
  await openView(page, 'Verify');
  await page.getByLabel('Access token', { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.locator('#verify-result').waitFor();
  await check('verify');
  await openView(page, 'Use it from code');
  await check('code');
}

test('axe finds nothing serious or critical in any view on a desktop', async () => {
  await walk(DESKTOP, '', ['signin', 'generate', 'identities', 'search', 'delete', 'verify', 'code']);
});

test('every view is readable and usable at 375 px wide', async () => {
  await walk(PHONE, 'phone-', ['generate', 'search']);
});

/** Presses Tab until the element `selector` names has the focus; every stop on the way must show it has the focus. */
async function tabTo(page, selector) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const focus = await page.evaluate((s) => {
      const e = document.activeElement;
      const style = getComputedStyle(e);
      return {
        name: e.id || e.textContent.trim().slice(0, 40),
        visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
        reached: e.matches(s),
      };
    }, selector);
    assert.ok(focus.visible, `the focus is visible on ${focus.name}`);
    if (focus.reached) return;
  }
  assert.fail(`Tab never reached ${selector}`);
}

test('a person can do it all with the keyboard alone, always seeing where the focus is', async () => {
  const page = await openPortal(browser, server);
  await tabTo(page, '#connection-string');
  await page.keyboard.insertText(server.connectionString);
  await page.keyboard.press('Enter');
  await page.getByRole('navigation', { name: 'Views' }).waitFor();
  await tabTo(page, '#scope-chat');
  await page.keyboard.press('Space');
  await tabTo(page, '#gen-submit');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Generated' }).waitFor();
  await tabTo(page, 'button[data-copy="res-id"]');
  await page.keyboard.press('Enter');
  assert.equal(await clipboard(page), await page.locator('#res-id').textContent());

  const { id } = await createIdentity(api);
  await page.locator('a[href="#identities"]').focus();
  await page.keyboard.press('Enter');
  // A view opened from the tabs takes the focus to its heading.
  await page.waitForFunction(() => document.activeElement.id === 'identities-title');
  await tabTo(page, '#id-search');
  await page.keyboard.insertText(id);
  await page.keyboard.press('Enter');
  await page.locator(`#id-rows tr[data-id="${id}"]`).waitFor();
  await tabTo(page, `tr[data-id="${id}"] button.danger`);
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Delete');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'confirm-cancel', 'the dialog opens on Cancel');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.locator(`#id-rows tr[data-id="${id}"]`).getByText('Deleted', { exact: true }).waitFor();
  assert.equal((await api('GET', `/identities/${encodeURIComponent(id)}`)).status, 404);
});
