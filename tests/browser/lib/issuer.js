// A real OpenID Connect provider for the portal's "Sign in with …":
// node-oidc-provider in this process, on a free loopback port, with one
// public client (the portal: authorization code, PKCE, no secret), its dev
// interactions (a login form that takes any name, then a consent page), and
// JWT access tokens (ES256) for commid's audience, through resource
// indicators. The person's login name is their `sub`.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { after } from 'node:test';
import Provider, { errors } from 'oidc-provider';

/** The audience commid accepts for management (`management_audiences`). */
export const AUDIENCE = 'https://commid.test.invalid';
export const CLIENT_ID = 'commid-portal';

const servers = [];
after(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

/**
 * Listens at once (commid's configuration needs the issuer's address, and
 * commid fetches its keys at start); `serve(portalOrigin)` starts the
 * provider once commid's address is known. Until then only the keys are
 * served. Resolves to { issuer, config, serve }.
 */
export async function startIssuer() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), alg: 'ES256', use: 'sig' };
  const { d, ...publicJwk } = jwk;
  let handle = null;
  const server = createServer((req, res) => {
    if (handle) return handle(req, res);
    res.writeHead(req.url === '/jwks' ? 200 : 503, { 'content-type': 'application/json' });
    res.end(req.url === '/jwks' ? JSON.stringify({ keys: [publicJwk] }) : '{}');
  });
  servers.push(server);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const serve = (portalOrigin) => {
    handle = makeProvider(issuer, jwk, portalOrigin).callback();
  };
  return { issuer, config: configFor(issuer), serve };
}

function makeProvider(issuer, jwk, portalOrigin) {
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [`${portalOrigin}/portal/`],
        scope: 'openid commid',
      },
    ],
    jwks: { keys: [jwk] },
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    scopes: ['openid', 'commid'],
    // The portal's origin may call the token endpoint from the page.
    clientBasedCORS: (ctx, origin) => origin === portalOrigin,
    findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    // Set, so that the defaults (which print notices) are not called.
    ttl: { AccessToken: 3600, IdToken: 3600, Grant: 3600, Session: 3600, Interaction: 600 },
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo(ctx, indicator) {
          if (indicator !== AUDIENCE) throw new errors.InvalidTarget();
          return { audience: AUDIENCE, scope: 'commid', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
        },
      },
    },
  });
  provider.on('server_error', (ctx, err) => console.error('issuer server_error:', err));
  return provider;
}

/** commid's configuration: trust the issuer for management, and the portal's client. */
function configFor(issuer) {
  return [
    '[[trusted_issuers]]',
    `issuer = "${issuer}"`,
    `jwks_url = "${issuer}/jwks"`,
    'exchanges = ["management"]',
    `management_audiences = ["${AUDIENCE}"]`,
    `portal_client_id = "${CLIENT_ID}"`,
    'portal_scope = "openid commid"',
    `portal_resource = "${AUDIENCE}"`,
    'portal_name = "Test ID"',
    '',
  ].join('\n');
}

/** Fills the provider's dev login form as `name`, then consents. */
export async function logIn(page, name) {
  await page.locator('input[name="login"]').fill(name);
  await page.locator('input[name="password"]').fill('any');
  await page.locator('button[type="submit"]').click();
  const consent = page.locator('button[type="submit"]', { hasText: /continue/i });
  await consent.click();
}
