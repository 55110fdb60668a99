// Dhan in the desktop app's "Connect broker": the client id, then either an app's key and secret
// (the consent flow in a popup) or an access token pasted from web.dhan.co, checked with Dhan
// before it is kept; the engine then records with the client id, the token and the chosen depth.
import { z } from 'zod';
import { ConnectRequest } from '../../../shared/desktop';
import type { StoredSession } from '../../auth/session-store';
import { AuthError } from '../errors';
import type { DesktopLogin } from '../types';
import { dhanConsentLoginUrl, dhanPastedSession, dhanRoots, dhanSessionFromRedirect, generateDhanConsent } from './auth';

export const dhanDesktop: DesktopLogin = {
  account: 'clientId',
  request: ConnectRequest.extend({
    clientId: z.string().trim().regex(/^\d{4,20}$/, 'a Dhan client id is digits').optional(),
    /** 20 or 200 levels from Dhan's depth feeds; 0: none (the 5 levels that come with ticks). */
    depth: z.union([z.literal(0), z.literal(20), z.literal(200)]).optional(),
  }),

  async connect({ req, prev, storedSecret, openPopup, roots, defaults }) {
    const clientId = req.clientId ?? prev?.clientId;
    if (!clientId) throw new AuthError('enter your Dhan client id', 'dhan');
    const { apiRoot, authRoot } = dhanRoots(roots.restRoot);
    let session: StoredSession;
    let user: string;
    let apiKey = prev?.apiKey;
    let apiSecret: string | undefined;
    const redirectUrl = req.redirectUrl ?? prev?.redirectUrl ?? defaults.redirectUrl;
    if (req.accessToken) {
      // A token from web.dhan.co: the broker must accept it before it is kept.
      ({ session, who: user } = await dhanPastedSession({ clientId, accessToken: req.accessToken, apiRoot }));
    } else {
      apiKey = req.apiKey ?? prev?.apiKey;
      apiSecret = req.apiSecret ?? (apiKey === prev?.apiKey ? storedSecret() : undefined);
      if (!apiKey || !apiSecret) throw new AuthError('enter the Dhan app’s API key and secret, or paste an access token', 'dhan');
      const app = { clientId, apiKey, apiSecret, authRoot };
      const consentAppId = await generateDhanConsent(app);
      const url = await openPopup({ loginUrl: dhanConsentLoginUrl(consentAppId, authRoot), allowedOrigins: [new URL(authRoot).origin], redirectUrl });
      ({ session, who: user } = await dhanSessionFromRedirect(url, app));
    }
    const instruments = req.instruments ?? prev?.instruments ?? defaults.instruments;
    const depth = req.depth === 0 ? undefined : (req.depth ?? prev?.depth);
    return {
      session,
      user,
      apiSecret,
      settings: { clientId: session.clientId!, apiKey, redirectUrl, instruments, depth },
      changed: String(instruments) !== String(prev?.instruments) || depth !== prev?.depth,
    };
  },

  engineStart: (dh, s, roots) => ({ clientId: dh.clientId, accessToken: s.accessToken, expiresAt: s.expiresAt, instruments: dh.instruments, depth: dh.depth, restRoot: roots.restRoot, wsRoot: roots.wsRoot }),
};
