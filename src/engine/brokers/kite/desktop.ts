// Kite in the desktop app's "Connect broker": the app's api key and secret (once), Kite's login
// page in a popup, the request token exchanged with the checksum; the engine then records with
// the api key and the access token.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ConnectRequest } from '../../../shared/desktop';
import { AuthError } from '../errors';
import type { DesktopLogin } from '../types';
import { kiteLoginUrl, kiteSessionFromRedirect, KITE_LOGIN_ROOT, KITE_REST_ROOT } from './auth';

export const kiteDesktop: DesktopLogin = {
  account: 'apiKey',
  request: ConnectRequest.omit({ clientId: true, accessToken: true, depth: true }).extend({
    apiKey: z.string().trim().regex(/^[A-Za-z0-9_]{4,64}$/, 'a Kite api key is letters and digits').optional(),
  }),

  async connect({ req, prev, storedSecret, openPopup, roots, defaults }) {
    const apiKey = req.apiKey ?? prev?.apiKey;
    const apiSecret = req.apiSecret ?? (apiKey === prev?.apiKey ? storedSecret() : undefined);
    if (!apiKey || !apiSecret) throw new AuthError('enter the Kite app’s api key and api secret (once; they are kept encrypted)', 'kite');
    const redirectUrl = req.redirectUrl ?? prev?.redirectUrl ?? defaults.redirectUrl;
    const state = randomBytes(12).toString('hex');
    const loginRoot = roots.loginRoot ?? KITE_LOGIN_ROOT;
    const restRoot = roots.restRoot ?? KITE_REST_ROOT;
    const url = await openPopup({ loginUrl: kiteLoginUrl(apiKey, state, loginRoot), allowedOrigins: [new URL(loginRoot).origin], redirectUrl });
    const session = await kiteSessionFromRedirect(url, state, { restRoot, apiKey, apiSecret });
    return {
      session,
      user: session.userId ?? '',
      apiSecret,
      settings: { apiKey, redirectUrl, instruments: req.instruments ?? prev?.instruments ?? defaults.instruments },
      changed: req.instruments !== undefined && String(req.instruments) !== String(prev?.instruments),
    };
  },

  engineStart: (k, s, roots) => ({ apiKey: k.apiKey, accessToken: s.accessToken, expiresAt: s.expiresAt, instruments: k.instruments, restRoot: roots.restRoot, wsRoot: roots.wsRoot, loginRoot: roots.loginRoot }),
};
