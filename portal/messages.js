// What a person reads when something is wrong: what they typed, checked
// before anything is sent where the page can tell, and the API's errors in
// words they can act on.

import { ApiError, usingToken } from './api.js';

const GUID = '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}';

/** What the server takes as an identity ID (`IdentityId::pattern` in src/domain/identity_id.rs). */
export const IDENTITY_ID = new RegExp(`^8:acs:${GUID}_${GUID}$`);

/** Why `text` is not an identity ID, or null when it is one. */
export function identityIdProblem(text) {
  if (IDENTITY_ID.test(text)) return null;
  if (!text.startsWith('8:')) return 'This is not an identity ID: they start with 8:acs:.';
  if (!text.startsWith('8:acs:')) {
    const kind = text.split(':', 2).join(':');
    return `This is not an identity of this service: it starts with ${kind}:, and identity IDs here start with 8:acs:.`;
  }
  return (
    'This is not a whole identity ID: after 8:acs: come two GUIDs joined by _ ' +
    '(8:acs:<resource ID>_<identity ID>). Copy it whole, from Identities or from a result of Generate.'
  );
}

/** The most characters a custom ID has (`CustomId::MAX_CHARS`). */
export const CUSTOM_ID_MAX = 256;

/** Why `text` cannot be a custom ID (or the start of one), or null. `what` names it. */
export function customIdProblem(text, what = 'A custom ID') {
  const chars = [...text].length;
  if (chars > CUSTOM_ID_MAX) return `${what} has at most ${CUSTOM_ID_MAX} characters; this one has ${chars}.`;
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) {
    return `${what} cannot contain tabs, line breaks or other control characters.`;
  }
  return null;
}

/** An error of a call (or any error) in words a person can act on. */
export function explain(error) {
  if (!(error instanceof ApiError)) return String((error && error.message) || error);
  const { status, code, message } = error;
  // Not an answer of the server (unreachable, signed out): already in words.
  if (status === 0) return message;
  if (status === 401 && usingToken()) {
    return (
      'The server refused your access token: it expired, or your sign-in is no longer valid. ' +
      'Sign out, and sign in again.'
    );
  }
  if (status === 401) {
    return (
      'The server refused the key you signed in with: it may have been regenerated. ' +
      'Sign out, and sign in with a current key.'
    );
  }
  if (status === 404 && code === 'IdentityNotFound') {
    return 'No identity has this ID: it does not exist or was deleted.';
  }
  if (status === 429) return 'Too many requests for this resource just now: wait a few seconds and try again.';
  if (status === 503) {
    return 'The server cannot answer just now (it is busy, or its database is unavailable): try again in a moment.';
  }
  if (status >= 500) {
    return `The server failed (HTTP ${status}). Try again; if it goes on, the server’s log says why.`;
  }
  // A refused value: the server's message names it and says what it must be.
  return message;
}
