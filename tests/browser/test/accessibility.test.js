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
import { openRow, row, rowStatus, summary, typeSearch } from '../lib/identities.js';
import { startServer } from '../lib/server.js';

let browser;
let server;
let api;
before(async () => {
  [browser, server] = await Promise.all([launch(), startServer()]);
  api = apiClient(server);
  // Some with a custom ID, some without; one (bob) never had a token.
  for (const customId of [
    'alice@contoso.example',
    'bob@contoso.example',
    undefined,
    'carol.jones@fabrikam.example',
    'team-berlin',
    undefined,
    'team-lisbon',
    'team-oslo',
    'erin@contoso.example',
  ]) {
    await createIdentity(api, { customId, scopes: customId === 'bob@contoso.example' ? undefined : ['chat'] });
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

/**
 * Each view as a person sees it, in each state it passes through: axe (any
 * impact), names that hold their visible text, the width, and the
 * screenshots `shots` names (docs/portal.md shows them).
 */
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
  // One new person per walk: the desktop's, then the phone's.
  await page.getByLabel('Custom ID').fill(viewport === PHONE ? 'grace@contoso.example' : 'frank@contoso.example');
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByRole('heading', { name: 'Generated' }).waitFor();
  const token = await page.locator('#res-token').textContent();
  await check('generate');
  // Right after a Copy: the note beside the button, the name unchanged.
  await page.getByRole('button', { name: 'Copy access token', exact: true }).click();
  await page.locator('#res-token ~ .copy-note').getByText('Copied').waitFor();
  await check('copied');
  // The same custom ID again: its identity, which existed already.
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.locator('#res-existing').waitFor();
  assert.equal(await page.locator('#gen-result .copy-note:visible').count(), 0, 'no “Copied” beside the new token');
  await check('generate-existing');

  await openView(page, 'Identities');
  await summary(page, /^Showing/);
  await check('identities');
  await typeSearch(page, 'team');
  await summary(page, /starts with “team”/);
  await check('search-prefix');
  // On a phone a row is one line until tapped: team-berlin's, opened.
  await openRow(page, await page.locator('#id-rows tr').first().getAttribute('data-id'));
  await check('row-open');
  const { id } = await createIdentity(api, { scopes: ['chat'] });
  await typeSearch(page, id, 0);
  await summary(page, /^The identity with this ID/);
  await openRow(page, id);
  await row(page, id).getByRole('button', { name: 'Revoke tokens' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke tokens' }).click();
  await rowStatus(page, id).getByText(/^Tokens revoked/).waitFor();
  await check('search');
  await row(page, id).getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').waitFor();
  await check('delete');
  await page.keyboard.press('Escape');
  await typeSearch(page, '8:acs:not-an-id');
  await summary(page, /not a whole identity ID/);
  await check('search-nothing');

  await openView(page, 'Generate');
  await page.getByLabel('An existing identity').check();
  await page.getByLabel('Identity ID', { exact: true }).fill('8:acs:not-an-id');
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.locator('#gen-error').waitFor();
  await check('generate-error');

  await openView(page, 'Verify');
  await page.getByLabel('Access token', { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.locator('#verify-result').waitFor();
  await check('verify');
  await openView(page, 'Use it from code');
  await check('code');
}

test('axe finds nothing of any impact in any state of any view on a desktop, 1280 px wide', async () => {
  await walk(DESKTOP, '', [
    'signin',
    'generate',
    'generate-existing',
    'identities',
    'search-prefix',
    'search',
    'delete',
    'verify',
    'code',
  ]);
});

test('every view is readable and usable on a phone, 390 px wide, and axe finds nothing there either', async () => {
  await walk(PHONE, 'phone-', ['generate', 'identities', 'row-open', 'verify']);
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
  await rowStatus(page, id).getByText('Deleted', { exact: true }).waitFor();
  assert.equal((await api('GET', `/identities/${encodeURIComponent(id)}`)).status, 404);
});

test('on a phone a row opens and closes from the keyboard too', async () => {
  const page = await openPortal(browser, server, PHONE);
  await signIn(page, server);
  await openView(page, 'Identities');
  await typeSearch(page, 'team-o');
  await summary(page, /starts with “team-o”/);
  const line = page.locator('#id-rows button.line').first();
  await line.focus();
  await page.keyboard.press('Enter');
  assert.equal(await line.getAttribute('aria-expanded'), 'true');
  await page.locator('#id-rows td[data-label="Custom ID"]').first().getByText('team-oslo').waitFor();
  await tabTo(page, '#id-rows button.copy');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Space');
  assert.equal(await line.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.locator('#id-rows td[data-label="Custom ID"]').first().isVisible(), false);
});
