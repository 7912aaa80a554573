// What the signed-in person may do, which decides what the page offers. A
// key means owner. With an access token the role is read from the server's
// answers to three calls that change nothing: the webhook subscriptions
// (owner only), the count (readers), the connection test (anyone with a
// role); a 403 means the role does not allow it.

import { ApiError, call } from './api.js';

/** What each role may do in the page. */
const ABILITIES = {
  owner: ['generate', 'list', 'manage', 'verify'],
  issuer: ['generate'],
  reader: ['list', 'verify'],
};

let role = 'owner';

export const current = () => role;

/** Whether the signed-in role may `ability` (generate, list, manage, verify). */
export const can = (ability) => ABILITIES[role].includes(ability);

async function allowed(method, path) {
  try {
    await call(method, path);
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return false;
    throw error;
  }
}

/** Finds the role of `session`; throws an ApiError 403 when it holds none. */
export async function detect(session) {
  if (!session.accessToken) {
    role = 'owner';
  } else if (await allowed('GET', '/webhookSubscriptions')) {
    role = 'owner';
  } else if (await allowed('GET', '/identities/:count')) {
    role = 'reader';
  } else if (await allowed('GET', '/connection/:test')) {
    role = 'issuer';
  } else {
    throw new ApiError(403, 'AuthorizationFailed', 'no role on this resource');
  }
  return role;
}

export function reset() {
  role = 'owner';
}
