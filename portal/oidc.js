// "Sign in with <issuer>": OAuth 2.0 authorization code with PKCE (S256)
// as a public client, so the page holds no secret. The server says which
// issuers this resource trusts for management and the page's client id at
// each (signin.json); the page reads the issuer's discovery document, sends
// the person there with a code challenge, a state and a nonce, and on the
// way back exchanges the code at the token endpoint. Only the access token
// is kept, in this tab's sessionStorage; the API gets it as a Bearer token.

const PENDING = 'commid.portal.oidc';

const encoder = new TextEncoder();

function base64url(bytes) {
  let binary = '';
  for (const b of new Uint8Array(bytes)) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const random = (n = 32) => base64url(crypto.getRandomValues(new Uint8Array(n)));

/** The issuers this page may sign in with ([] when none, or the server cannot say). */
export async function options() {
  try {
    const response = await fetch('/portal/signin.json', { cache: 'no-store', credentials: 'omit' });
    if (!response.ok) return [];
    const { issuers } = await response.json();
    return Array.isArray(issuers) ? issuers : [];
  } catch {
    return [];
  }
}

async function getJson(url, init, what) {
  let response;
  try {
    response = await fetch(url, { cache: 'no-store', credentials: 'omit', redirect: 'error', ...init });
  } catch {
    throw new Error(`${what} could not be reached (${new URL(url).origin}).`);
  }
  let json = null;
  try {
    json = await response.json();
  } catch {
    json = null;
  }
  if (!response.ok) {
    const why = (json && (json.error_description || json.error)) || `it answered ${response.status}`;
    throw new Error(`${what} refused: ${why}.`);
  }
  if (!json || typeof json !== 'object') throw new Error(`${what} did not answer JSON.`);
  return json;
}

async function discover(option) {
  const base = option.authority.replace(/\/+$/, '');
  const meta = await getJson(`${base}/.well-known/openid-configuration`, {}, `${option.name}'s discovery document`);
  for (const name of ['issuer', 'authorization_endpoint', 'token_endpoint']) {
    if (typeof meta[name] !== 'string') throw new Error(`${option.name}'s discovery document has no ${name}.`);
  }
  const methods = meta.code_challenge_methods_supported;
  if (Array.isArray(methods) && !methods.includes('S256')) {
    throw new Error(`${option.name} does not offer PKCE with S256, which this page needs.`);
  }
  return meta;
}

export const redirectUri = () => `${location.origin}/portal/`;

/** Sends the person to the issuer; returns only if that fails (throws). */
export async function begin(option) {
  const meta = await discover(option);
  const verifier = random(48);
  const challenge = base64url(await crypto.subtle.digest('SHA-256', encoder.encode(verifier)));
  const pending = {
    state: random(),
    nonce: random(),
    verifier,
    option,
    issuer: meta.issuer,
    tokenEndpoint: meta.token_endpoint,
  };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(meta.authorization_endpoint);
  const params = {
    response_type: 'code',
    client_id: option.clientId,
    redirect_uri: redirectUri(),
    scope: option.scope,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  };
  if (option.resource) params.resource = option.resource;
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  location.assign(url.href);
}

/** Whether this load is the issuer sending the person back. */
export function returning() {
  const params = new URLSearchParams(location.search);
  return (params.has('code') || params.has('error')) && params.has('state');
}

function claimsOf(jwt) {
  try {
    const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const text = new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0)));
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * Completes a return from the issuer: the code for tokens. The code and
 * state leave the address bar first. Resolves to the session to keep.
 */
export async function complete() {
  const params = new URLSearchParams(location.search);
  history.replaceState(null, '', location.pathname);
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
  sessionStorage.removeItem(PENDING);
  if (!pending || params.get('state') !== pending.state) {
    throw new Error('This sign-in was not started from this tab, or was started twice: sign in again.');
  }
  const { option } = pending;
  if (params.has('error')) {
    const why = params.get('error_description') || params.get('error');
    throw new Error(`${option.name} did not sign you in: ${why}.`);
  }
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: params.get('code'),
    redirect_uri: redirectUri(),
    client_id: option.clientId,
    code_verifier: pending.verifier,
  });
  if (option.resource) form.set('resource', option.resource);
  const tokens = await getJson(
    pending.tokenEndpoint,
    { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    `${option.name}'s token endpoint`,
  );
  if (typeof tokens.access_token !== 'string') throw new Error(`${option.name} sent no access token.`);
  // The ID token came straight from the token endpoint: its nonce, issuer
  // and audience are checked; its signature is the server's to check on
  // the access token, which is the only one ever sent anywhere.
  const id = tokens.id_token ? claimsOf(tokens.id_token) : null;
  if (!id || id.nonce !== pending.nonce || id.iss !== pending.issuer) {
    throw new Error(`${option.name}'s ID token is not the answer to this sign-in: sign in again.`);
  }
  const audiences = Array.isArray(id.aud) ? id.aud : [id.aud];
  if (!audiences.includes(option.clientId)) {
    throw new Error(`${option.name}'s ID token is for another application: sign in again.`);
  }
  const seconds = Number(tokens.expires_in) > 0 ? Number(tokens.expires_in) : 3600;
  return {
    endpoint: `${location.origin}/`,
    accessToken: tokens.access_token,
    expiresAt: Date.now() + seconds * 1000,
    via: option.name,
    user: String(id.preferred_username || id.email || id.name || id.sub || ''),
  };
}
