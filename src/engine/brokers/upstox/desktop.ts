// Upstox in the desktop app's "Connect broker": the app's API key and secret (once) and Upstox's
// authorization dialog in a popup, the code exchanged for a day's token (until 03:30 IST); or the
// read-only Analytics Token pasted from the developer apps page (a year), checked with a quote
// before it is kept. The account is the Upstox user id: a new session of the same user resumes the
// feeds. The engine then records with the token, and the 30-level book when chosen.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ConnectRequest } from '../../../shared/desktop';
import type { StoredSession } from '../../auth/session-store';
import { AuthError } from '../errors';
import type { DesktopLogin } from '../types';
import { BROKER, UPSTOX_LOGIN_ORIGINS, UPSTOX_LOGIN_ROOT, upstoxLoginUrl, upstoxPastedSession, upstoxRoots, upstoxSessionFromRedirect } from './auth';

export const upstoxDesktop: DesktopLogin = {
  account: 'clientId',
  request: ConnectRequest.omit({ clientId: true }).extend({
    apiKey: z.string().trim().regex(/^[A-Za-z0-9-]{4,100}$/, 'an Upstox API key is letters, digits and dashes').optional(),
    /** 30 levels (full_d30) for the first instruments; 0: the 5 that come with full ticks. */
    depth: z.union([z.literal(0), z.literal(30)]).optional(),
  }),

  async connect({ req, prev, storedSecret, openPopup, roots, defaults }) {
    const api = upstoxRoots(roots.restRoot).api;
    const redirectUrl = req.redirectUrl ?? prev?.redirectUrl ?? defaults.redirectUrl;
    let session: StoredSession;
    let user: string;
    let apiKey = prev?.apiKey;
    let apiSecret: string | undefined;
    if (req.accessToken) {
      // An analytics token (or a day's token): Upstox must accept it before it is kept.
      ({ session, who: user } = await upstoxPastedSession({ accessToken: req.accessToken, apiRoot: api }));
    } else {
      apiKey = req.apiKey ?? prev?.apiKey;
      apiSecret = req.apiSecret ?? (apiKey === prev?.apiKey ? storedSecret() : undefined);
      if (!apiKey || !apiSecret) throw new AuthError('enter the Upstox app’s API key and secret (once; they are kept encrypted), or paste an analytics token', BROKER);
      const state = randomBytes(12).toString('hex');
      const loginRoot = roots.loginRoot ?? UPSTOX_LOGIN_ROOT;
      const allowedOrigins = roots.loginRoot ? [new URL(loginRoot).origin] : UPSTOX_LOGIN_ORIGINS;
      const url = await openPopup({ loginUrl: upstoxLoginUrl(apiKey, redirectUrl, state, loginRoot), allowedOrigins, redirectUrl });
      ({ session, who: user } = await upstoxSessionFromRedirect(url, state, { apiKey, apiSecret, redirectUri: redirectUrl, apiRoot: api }));
    }
    const instruments = req.instruments ?? prev?.instruments ?? defaults.instruments;
    const depth = req.depth === 0 ? undefined : (req.depth ?? prev?.depth);
    return {
      session,
      user,
      apiSecret,
      settings: { apiKey, clientId: session.clientId, redirectUrl, instruments, depth },
      changed: String(instruments) !== String(prev?.instruments) || depth !== prev?.depth,
    };
  },

  engineStart: (u, s, roots) => ({
    apiKey: u.apiKey,
    clientId: s.clientId ?? u.clientId,
    accessToken: s.accessToken,
    expiresAt: s.expiresAt,
    instruments: u.instruments,
    depth: u.depth,
    restRoot: roots.restRoot,
    wsRoot: roots.wsRoot,
    loginRoot: roots.loginRoot,
  }),
};
