// What redactSecrets takes out of a message and what it leaves: credentials go, the words a user
// needs to understand the failure stay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactSecrets } from './redact';

const JWT = 'eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJkaGFuQ2xpZW50SWQiOiIxMDAwMDAwMDAxIn0.c2lnbmF0dXJlLWJ5dGVz';

test('URL query strings and URL passwords are replaced, whatever they hold', () => {
  assert.equal(
    redactSecrets('bad url: Invalid URL: ws://127.0.0.1:1/ws?api_key=kitekey&access_token=s3cr3t-token'),
    'bad url: Invalid URL: ws://127.0.0.1:1/ws?[redacted]',
  );
  assert.equal(redactSecrets('Invalid URL: http://?version=2&token=abc&clientId=1 (retry)'), 'Invalid URL: http://?[redacted] (retry)');
  assert.equal(redactSecrets('https://auth.example/cb#access_token=abc'), 'https://auth.example/cb?[redacted]');
  assert.equal(redactSecrets('db: cannot reach postgres://tick:hunter2@db.example:5432/test'), 'db: cannot reach postgres://tick:[redacted]@db.example:5432/test');
});

test('name=value pairs named like credentials are replaced outside URLs too', () => {
  assert.equal(redactSecrets('Invalid URL: bogus?api_key=kitekey&access_token=s3cr3t'), 'Invalid URL: bogus?api_key=[redacted]&access_token=[redacted]');
  assert.equal(redactSecrets('form request_token=rt1&checksum=abcd&user=AB1234'), 'form request_token=[redacted]&checksum=[redacted]&user=AB1234');
  assert.equal(redactSecrets('token=abc; pin=1234, totp=654321'), 'token=[redacted]; pin=[redacted], totp=[redacted]');
});

test('headers, JSON fields and bare JWTs are replaced; an authorization scheme stays', () => {
  assert.equal(redactSecrets('sent Authorization: token kitekey:s3cr3t, got 403'), 'sent Authorization: token [redacted], got 403');
  assert.equal(redactSecrets('authorization: Bearer abc.def'), 'authorization: Bearer [redacted]');
  assert.equal(redactSecrets('access-token: abcdef'), 'access-token: [redacted]');
  assert.equal(redactSecrets(`{"accessToken":"${JWT}","dhanClientId":"1000000001"}`), '{"accessToken":"[redacted]","dhanClientId":"1000000001"}');
  assert.equal(redactSecrets(`the token ${JWT} is not accepted`), 'the token [redacted] is not accepted');
});

test('ordinary messages pass unchanged, and redacting twice changes nothing more', () => {
  for (const text of [
    'Dhan RenewToken: HTTP 400 DH-906 (Invalid Token): log in again',
    'cannot read the access token: not a JWT (expected header.payload.signature)',
    'closed 1006 (getaddrinfo ENOTFOUND feed.example); retry in 500 ms',
    'Kite login did not succeed (status=cancelled)',
    'see https://web.dhan.co/ to generate a token',
  ])
    assert.equal(redactSecrets(text), text);
  const once = redactSecrets(`ws://x/?token=${JWT} Authorization: token a:b`);
  assert.equal(redactSecrets(once), once);
});
