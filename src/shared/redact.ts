// Secrets out of text that leaves the engine (feed status details, notices, Engine API errors): a
// broker's error or a bad root can echo a URL that carries the access token in its query string.

/** Names whose value is a credential, in `name=value` pairs and JSON (`"accessToken":"…"`). */
const SECRET_NAME = String.raw`(?:[\w-]*(?:token|secret|passw(?:or)?d|checksum|signature|authori[sz]ation|api[_-]?key)[\w-]*|pin|totp|key|sig)`;

/** Headers whose value is a credential, as an error may quote them (`Authorization: token k:t`). */
const SECRET_HEADER = String.raw`(?:proxy-)?authorization|access-token|app_secret|api_secret|client_secret|x-api-key|cookie`;

const REDACTED = '[redacted]';

const RULES: ReadonlyArray<[RegExp, string]> = [
  // A password in a URL (postgres://user:password@host/db).
  [/\b([a-z][a-z\d+.-]*:\/\/[^\s/?#@:"'<>]*):[^\s/?#@"'<>]*@/gi, `$1:${REDACTED}@`],
  // A URL's query string and fragment, whatever they hold (access_token, api_key, token, tokenId…).
  [/\b([a-z][a-z\d+.-]*:\/\/[^\s?#"'<>]*)[?#][^\s"'<>)]*/gi, `$1?${REDACTED}`],
  // name=value anywhere else (a URL without a scheme, a form body).
  [new RegExp(String.raw`(^|[^\w-])(${SECRET_NAME})=[^\s&#"',;)]+`, 'gi'), `$1$2=${REDACTED}`],
  // "name": "value" in quoted JSON.
  [new RegExp(String.raw`("${SECRET_NAME}"\s*:\s*)"[^"]*"`, 'gi'), `$1"${REDACTED}"`],
  // A header and its value; an authorization scheme (Bearer, token, Basic) is kept.
  [new RegExp(String.raw`\b(${SECRET_HEADER})(\s*:\s*)((?:bearer|token|basic)\s+)?[^\s,;"')]+`, 'gi'), `$1$2$3${REDACTED}`],
  // A JWT standing alone (Dhan's access tokens are JWTs).
  [/\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*/g, REDACTED],
];

/**
 * The text with credentials replaced by "[redacted]": query strings and passwords of URLs, `name=value` pairs
 * and JSON fields named like a credential (access_token, api_key, token, secret, password, …),
 * authorization-like headers, and JWTs. Ordinary words around them are kept.
 */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}
