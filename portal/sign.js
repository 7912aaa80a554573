// HMAC-SHA256 request signing, as the ACS SDKs sign and as commid checks
// (src/auth/hmac.rs). Web Crypto only, so it runs in the page and in Node.

const encoder = new TextEncoder();

export const SIGNED_HEADERS = 'x-ms-date;host;x-ms-content-sha256';

export function toBase64(bytes) {
  let binary = '';
  for (const b of new Uint8Array(bytes)) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** The bytes of standard base64 text; throws on anything else. */
export function fromBase64(text) {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new Error('not base64');
  }
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** `x-ms-content-sha256`: base64(SHA-256(body)). */
export async function contentHash(body) {
  return toBase64(await crypto.subtle.digest('SHA-256', encoder.encode(body)));
}

/** `VERB\npath?query\ndate;host;hash`, the path and query exactly as sent. */
export function stringToSign(method, pathAndQuery, date, host, hash) {
  return `${method.toUpperCase()}\n${pathAndQuery}\n${date};${host};${hash}`;
}

/** A signing key that scripts cannot read back. */
export function importKey(keyBytes) {
  return crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
}

export async function signature(key, text) {
  return toBase64(await crypto.subtle.sign('HMAC', key, encoder.encode(text)));
}

/** The three headers that authenticate a request. */
export async function signHeaders({ method, pathAndQuery, host, body, key, now = new Date() }) {
  const date = now.toUTCString();
  const hash = await contentHash(body);
  const sig = await signature(key, stringToSign(method, pathAndQuery, date, host, hash));
  return {
    'x-ms-date': date,
    'x-ms-content-sha256': hash,
    authorization: `HMAC-SHA256 SignedHeaders=${SIGNED_HEADERS}&Signature=${sig}`,
  };
}
