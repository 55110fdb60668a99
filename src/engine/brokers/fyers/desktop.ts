// Fyers in the desktop app's "Connect broker": the app id and secret (once), Fyers' login page in a
// popup (generate-authcode), the auth_code exchanged with appIdHash; the engine then records with
// the app id and the access token. (The refresh token is not kept here: the desktop session store
// has no place for it.)
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ConnectRequest } from '../../../shared/desktop';
import { AuthError } from '../errors';
import type { DesktopLogin } from '../types';
import { BROKER, FYERS_APP_ID_SHAPE, FYERS_LOGIN_ROOT, fyersLoginUrl, fyersRoots, fyersSessionFromRedirect } from './auth';

/** Where Fyers' login may take the user (generate-authcode hands over to its login pages). */
const FYERS_LOGIN_ORIGINS = ['https://api-t1.fyers.in', 'https://login.fyers.in'];

export const fyersDesktop: DesktopLogin = {
  account: 'apiKey',
  request: ConnectRequest.omit({ clientId: true, accessToken: true, depth: true }).extend({
    apiKey: z.string().trim().toUpperCase().regex(FYERS_APP_ID_SHAPE, 'a Fyers app id looks like XJ12345-100').optional(),
  }),

  async connect({ req, prev, storedSecret, openPopup, roots, defaults }) {
    const appId = req.apiKey ?? prev?.apiKey;
    const appSecret = req.apiSecret ?? (appId === prev?.apiKey ? storedSecret() : undefined);
    if (!appId || !appSecret) throw new AuthError('enter the Fyers app’s id and secret (once; they are kept encrypted)', BROKER);
    const redirectUrl = req.redirectUrl ?? prev?.redirectUrl ?? defaults.redirectUrl;
    const state = randomBytes(12).toString('hex');
    const loginRoot = roots.loginRoot ?? FYERS_LOGIN_ROOT;
    const allowedOrigins = roots.loginRoot ? [new URL(loginRoot).origin] : FYERS_LOGIN_ORIGINS;
    const url = await openPopup({ loginUrl: fyersLoginUrl(appId, redirectUrl, state, loginRoot), allowedOrigins, redirectUrl });
    const { session, who } = await fyersSessionFromRedirect(url, state, { appId, appSecret, apiRoot: fyersRoots(roots.restRoot).api });
    return {
      session,
      user: who,
      apiSecret: appSecret,
      settings: { apiKey: appId, redirectUrl, instruments: req.instruments ?? prev?.instruments ?? defaults.instruments },
      changed: req.instruments !== undefined && String(req.instruments) !== String(prev?.instruments),
    };
  },

  engineStart: (f, s, roots) => ({ apiKey: f.apiKey, accessToken: s.accessToken, expiresAt: s.expiresAt, instruments: f.instruments, restRoot: roots.restRoot, wsRoot: roots.wsRoot, loginRoot: roots.loginRoot }),
};
