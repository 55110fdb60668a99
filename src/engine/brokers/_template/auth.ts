// How the template broker knows who is calling: an access token in a header (REST) and in the
// query string (WebSocket). Replace with your broker's: its headers, where its token comes from,
// when a token expires. A broker with a browser login adds its flow here (see kite/login.ts).

/**
 * The name this broker's instruments, candles, feed and sessions go by: the adapter's id and
 * protocol. Broker ids are open (shared/brokers.ts BrokerId), so no list elsewhere names it.
 */
export const BROKER = 'template';

/** The environment variable holding an access token. */
export const TOKEN_ENV = 'TEMPLATE_ACCESS_TOKEN';

export const authHeaders = (accessToken: string): Record<string, string> => ({ Authorization: `token ${accessToken}` });

export const feedUrl = (wsRoot: string, accessToken: string): string => `${wsRoot}?access_token=${encodeURIComponent(accessToken)}`;

/** The template's tokens carry no end of their own and have no daily cut-off: the broker says when (a 403). */
export const expiry = (_loginAt: number): number | undefined => undefined;
