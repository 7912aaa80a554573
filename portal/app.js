// The portal's entry: sign in and out, and the views, one per URL hash
// (#generate, #identities, #verify, #code). The hash never holds a secret.

import { disconnect } from './api.js';
import { $, announce, wireCopyButtons } from './dom.js';
import * as generate from './generate.js';
import * as identities from './identities.js';
import * as rights from './rights.js';
import * as session from './session.js';
import * as signin from './signin.js';
import * as snippets from './snippets.js';
import * as verify from './verify.js';

const VIEWS = ['generate', 'identities', 'verify', 'code'];
/** What a view needs the role to allow (rights.js). */
const NEEDS = { generate: 'generate', identities: 'list', verify: 'verify' };
const allowed = (view) => !NEEDS[view] || rights.can(NEEDS[view]);
let signedIn = null;
let focusNext = null;

function showView(name) {
  for (const section of document.querySelectorAll('.view')) {
    section.hidden = section.id !== `view-${name}`;
  }
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.getAttribute('href') === `#${name}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.body.dataset.view = name;
  const heading = document.querySelector(`#view-${name} h1`);
  document.title = `${heading.textContent} · commid`;
}

/** Shows the view the hash names; `moveFocus` after a navigation, not on load. */
function route(moveFocus) {
  if (!signedIn) {
    showView('signin');
    return;
  }
  const name = location.hash.slice(1);
  if (!VIEWS.includes(name) || !allowed(name)) {
    // #main (the skip link) keeps the view; anything else opens the first
    // view the role allows (Generate, for a key).
    if (name === 'main') return;
    const first = VIEWS.find(allowed);
    history.replaceState(null, '', `#${first}`);
    showView(first);
    if (first === 'identities') identities.load();
    return;
  }
  showView(name);
  if (name === 'identities') identities.load();
  if (moveFocus) {
    const target = focusNext ? $(focusNext) : document.querySelector(`#view-${name} h1`);
    focusNext = null;
    target.setAttribute('tabindex', target.getAttribute('tabindex') || '-1');
    target.focus();
  }
}

function onSignedIn(credentials) {
  signedIn = credentials;
  $('account-endpoint').textContent = credentials.endpoint;
  const who = $('account-who');
  who.hidden = !credentials.accessToken;
  who.textContent = credentials.accessToken
    ? ` as ${credentials.user} (${rights.current()}, with ${credentials.via})`
    : '';
  $('col-actions').hidden = !rights.can('generate') && !rights.can('manage');
  for (const item of document.querySelectorAll('#nav li[data-needs]')) {
    item.hidden = !rights.can(item.dataset.needs);
  }
  $('account').hidden = false;
  $('nav').hidden = false;
  snippets.render(credentials.endpoint);
  route(false);
  announce(`Signed in to ${credentials.endpoint}.`);
}

/** Forgets the key (memory and session storage) and everything shown with it. */
function signOut() {
  disconnect();
  session.forget();
  signedIn = null;
  rights.reset();
  generate.reset();
  identities.reset();
  verify.reset();
  snippets.reset();
  signin.clearForm();
  $('account-endpoint').textContent = '';
  $('account').hidden = true;
  $('nav').hidden = true;
  history.replaceState(null, '', location.pathname);
  showView('signin');
  $('signin-title').setAttribute('tabindex', '-1');
  $('signin-title').focus();
  announce('Signed out. The key or token is forgotten.');
}

async function resume() {
  if (await signin.resumeFromIssuer(onSignedIn)) {
    if (!signedIn) route(false);
    return;
  }
  const stored = session.load();
  if (!stored) return route(false);
  try {
    await signin.signIn(stored);
    onSignedIn(stored);
  } catch (e) {
    session.forget();
    route(false);
    $('signin-error').textContent = `Signed out: ${e.message}`;
    $('signin-error').hidden = false;
  }
}

signin.init(onSignedIn);
generate.init();
identities.init({
  issue(id) {
    generate.forIdentity(id);
    focusNext = 'scope-chat';
    location.hash = '#generate';
  },
});
verify.init();
wireCopyButtons();
$('sign-out').addEventListener('click', signOut);
window.addEventListener('hashchange', () => route(true));
resume();
