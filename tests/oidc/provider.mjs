// A real OpenID provider for the single sign-on browser test (tests/browser/test_sso.py): the certified
// oidc-provider, on 127.0.0.1 and a free port, with one confidential client that must use PKCE (S256).
//
//   node tests/oidc/provider.mjs   with the environment:
//     OIDC_REDIRECT_URI   the service's callback, e.g. http://127.0.0.1:8123/accounts/sso/callback/
//     OIDC_CLIENT_ID, OIDC_CLIENT_SECRET
//     OIDC_ACCOUNTS       a JSON file: {"<login>": {"name": ..., "email": ..., "groups": [...]}, ...}; read at each
//                         sign-in, so a test can change someone's groups between two sign-ins
//
// It prints one line, {"issuer": "http://127.0.0.1:<port>"}, once it is listening. The login page is
// oidc-provider's own development form (devInteractions: any password); consent is granted without asking.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const { OIDC_REDIRECT_URI, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_ACCOUNTS } = process.env;
const SCOPES = 'openid email profile';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key-1', use: 'sig', alg: 'RS256' };

function accounts() {
  return JSON.parse(readFileSync(OIDC_ACCOUNTS, 'utf8'));
}

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: OIDC_CLIENT_ID,
      client_secret: OIDC_CLIENT_SECRET,
      redirect_uris: [OIDC_REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [signingKey] },
    pkce: { required: () => true },
    // The groups go in the ID token, as Entra ID puts them there.
    claims: {
      openid: ['sub', 'groups'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    },
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    async findAccount(ctx, id) {
      const person = accounts()[id];
      if (!person) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, email_verified: true, preferred_username: person.email, ...person };
        },
      };
    },
    // No consent page: the council's own client is trusted (as an Entra ID admin consents for the whole tenant).
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope(SCOPES);
      await grant.save();
      return grant;
    },
  });
  provider.on('server_error', (ctx, err) => console.error('oidc-provider server_error', err));
  server.on('request', provider.callback());
  console.log(JSON.stringify({ issuer }));
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
