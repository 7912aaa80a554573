// Signing in: a connection string, or a key with the endpoint filled in
// from the page's own origin. The credentials are checked with one signed
// request before anything else happens.

import { ApiError, call, connect, disconnect } from './api.js';
import { $, showError } from './dom.js';
import { explain } from './messages.js';
import { credentials, parseConnectionString, save } from './session.js';

/** Checks the key with a signed request that changes nothing. */
export async function probe() {
  await call('POST', '/accessTokens/:verify', { body: { token: 'sign-in-check' } });
}

/** Connects with `session`; throws an Error whose message a person can act on. */
export async function signIn(session) {
  await connect(session.accessKey);
  try {
    await probe();
  } catch (error) {
    disconnect();
    throw new Error(whyRefused(error, session));
  }
}

function whyRefused(error, session) {
  if (!(error instanceof ApiError) || error.status !== 401) return explain(error);
  let text =
    `The server refused this key: “${error.message}” ` +
    'Check that you copied the whole key of this server’s resource ' +
    '(commid resource show-keys prints both keys).';
  const host = new URL(session.endpoint).host;
  if (host !== location.host) {
    text +=
      ` The key is for ${host}, but this page is at ${location.host}, and requests are signed` +
      ' for the page’s host: with several resources, open the page at the resource’s own address.';
  }
  return text;
}

function mode() {
  return document.querySelector('input[name="signin-mode"]:checked').value;
}

function showMode() {
  const byKey = mode() === 'key';
  $('signin-cs').hidden = byKey;
  $('signin-key').hidden = !byKey;
}

/** Forgets what was typed: the form never keeps a key after signing in or out. */
export function clearForm() {
  $('connection-string').value = '';
  $('access-key').value = '';
  showError($('signin-error'), '');
}

export function init(onSignedIn) {
  if (!window.isSecureContext || !window.crypto || !crypto.subtle) {
    $('insecure').hidden = false;
    $('signin-submit').disabled = true;
  }
  $('endpoint').value = `${location.origin}/`;
  for (const radio of document.querySelectorAll('input[name="signin-mode"]')) {
    radio.addEventListener('change', showMode);
  }
  $('signin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = $('signin-error');
    showError(error, '');
    let session;
    try {
      session =
        mode() === 'key'
          ? credentials($('endpoint').value.trim(), $('access-key').value)
          : parseConnectionString($('connection-string').value);
    } catch (e) {
      showError(error, e.message);
      return;
    }
    const button = $('signin-submit');
    button.disabled = true;
    button.textContent = 'Signing in…';
    try {
      await signIn(session);
      save(session);
      clearForm();
      onSignedIn(session);
    } catch (e) {
      showError(error, e.message);
    } finally {
      button.disabled = false;
      button.textContent = 'Sign in';
    }
  });
}
