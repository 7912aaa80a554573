// Debian's Chromium driven by playwright-core, and what every test needs:
// a page on the portal, signing in, axe, CSP violations, screenshots.

import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after } from 'node:test';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const CHROMIUM = process.env.COMMID_CHROMIUM || '/usr/bin/chromium';
// Without the background-networking flags Chromium's connections are refused here.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

/** Chromium in headless mode with a fresh profile (Playwright makes one per launch). */
export async function launch() {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  browsers.push(browser);
  return browser;
}

// Registered when the test file imports this module, so it runs after all its tests.
const browsers = [];
after(() => Promise.all(browsers.map((b) => b.close())));

/** A new tab (its own context: storage, clipboard) on the server's `/`; `watch(page)` before it loads. */
export async function openPortal(browser, server, viewport = DESKTOP, watch = () => {}) {
  const context = await browser.newContext({
    viewport,
    locale: 'en-US',
    timezoneId: 'America/New_York',
    // commid's own self-signed certificate, when the server serves HTTPS.
    ignoreHTTPSErrors: server.url.startsWith('https:'),
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.errors = [];
  page.cspMessages = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) page.cspMessages.push(m.text());
  });
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI}`),
    );
  });
  watch(page);
  await page.goto(`${server.url}/`);
  await page.getByRole('heading', { name: 'Sign in to a resource' }).waitFor();
  return page;
}

export async function signIn(page, server) {
  await page.getByLabel('Connection string', { exact: true }).fill(server.connectionString);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Views' }).waitFor();
}

export async function openView(page, name) {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name }).click();
}

/** CSP violations and uncaught errors the page had so far. */
export async function problems(page) {
  const violations = await page.evaluate(() => window.cspViolations);
  return [...violations, ...page.cspMessages, ...page.errors];
}

/**
 * axe-core's findings of any impact on the page as it is now, with
 * label-content-name-mismatch (WCAG 2.5.3, experimental in axe) turned on.
 */
export async function axeFindings(page) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() =>
    window.axe.run(document, {
      resultTypes: ['violations'],
      rules: { 'label-content-name-mismatch': { enabled: true } },
    }),
  );
  return result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

/**
 * Controls named by aria-label whose label lacks the text they show
 * (WCAG 2.5.3): a person who says what they see must reach them.
 */
export function labelsWithoutTheirText(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('button[aria-label], a[aria-label], input[aria-label]')]
      .filter((e) => e.offsetParent !== null)
      .filter((e) => !e.getAttribute('aria-label').toLowerCase().includes(e.innerText.trim().toLowerCase()))
      .map((e) => `“${e.innerText.trim()}” named “${e.getAttribute('aria-label')}”`),
  );
}

export async function assertAccessible(page, where) {
  assert.deepEqual(await axeFindings(page), [], `axe findings in ${where}`);
  assert.deepEqual(await labelsWithoutTheirText(page), [], `names without their visible text in ${where}`);
}

/** The requests to the API the page sends from now on: their method and URL. */
export function apiRequests(page) {
  const sent = [];
  page.on('request', (r) => {
    if (new URL(r.url()).searchParams.has('api-version')) sent.push(`${r.method()} ${decodeURIComponent(r.url())}`);
  });
  return sent;
}

/**
 * A screenshot into $COMMID_SCREENSHOTS (docs/portal with `run --screenshots`),
 * the whole page unless a dialog is open, its colours reduced by pngquant.
 */
export async function screenshot(page, name) {
  const dir = process.env.COMMID_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  const fullPage = !(await page.evaluate(() => Boolean(document.querySelector('dialog[open]'))));
  await page.screenshot({ path, fullPage, animations: 'disabled', caret: 'hide' });
  execFileSync('pngquant', ['--force', '--skip-if-larger', '--quality=60-85', '--speed=1', '--strip', '--ext=.png', path]);
}

/** The text on the clipboard of the page's context. */
export function clipboard(page) {
  return page.evaluate(() => navigator.clipboard.readText());
}
