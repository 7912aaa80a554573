// Signing in: a connection string, or a key with the endpoint filled in
// from the page's own origin, or "Sign in with <issuer>" (oidc.js). A key
// is checked with one signed request before anything else happens; a
// token, by finding its role (rights.js).

import { ApiError, call, connect, disconnect } from './api.js';
import { $, el, showError } from './dom.js';
import { explain } from './messages.js';
import * as oidc from './oidc.js';
import * as rights from './rights.js';
import { credentials, parseConnectionString, save } from './session.js';

/** Checks the key with a signed request that changes nothing. */
export async function probe() {
  await call('POST', '/accessTokens/:verify', { body: { token: 'sign-in-check' } });
}

/** Connects with `session`; throws an Error whose message a person can act on. */
export async function signIn(session) {
  await connect(session);
  try {
    if (session.accessToken) await rights.detect(session);
    else {
      await probe();
      await rights.detect(session);
    }
  } catch (error) {
    disconnect();
    throw new Error(session.accessToken ? whyTokenRefused(error, session) : whyRefused(error, session));
  }
}

function whyTokenRefused(error, session) {
  if (!(error instanceof ApiError)) return explain(error);
  if (error.status === 403) {
    return (
      `You signed in with ${session.via} as ${session.user}, who holds no role on this resource. ` +
      'Ask an owner to grant you one (commid access grant).'
    );
  }
  if (error.status === 401) {
    return `The server refused the token of ${session.via}: “${error.message}”`;
  }
  return explain(error);
}

/** The "Sign in with …" buttons, one per issuer the server offers. */
async function offerIssuers(onSignedIn) {
  const issuers = await oidc.options();
  const list = $('signin-issuers');
  list.replaceChildren(
    ...issuers.map((option) =>
      el(
        'li',
        {},
        el(
          'button',
          {
            type: 'button',
            class: 'issuer',
            onclick: async (event) => {
              const button = event.currentTarget;
              showError($('signin-error'), '');
              button.disabled = true;
              try {
                await oidc.begin(option);
              } catch (e) {
                showError($('signin-error'), e.message);
                button.disabled = false;
              }
            },
          },
          `Sign in with ${option.name}`,
        ),
      ),
    ),
  );
  $('signin-with-issuer').hidden = !issuers.length;
  return onSignedIn;
}

/** Completes a return from the issuer, if this load is one; whether it was. */
export async function resumeFromIssuer(onSignedIn) {
  if (!oidc.returning()) return false;
  try {
    const session = await oidc.complete();
    await signIn(session);
    save(session);
    onSignedIn(session);
  } catch (e) {
    showError($('signin-error'), e.message);
  }
  return true;
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
  offerIssuers(onSignedIn);
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
