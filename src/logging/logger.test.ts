/** Secrets in request URLs, headers and message texts are redacted by the root logger, whatever the level. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, withoutQuerySecrets, withoutSecrets } from './logger.js';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwMSJ9.c2lnbmF0dXJl';

function capturingLogger(): { logger: ReturnType<typeof createLogger>; written: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { logger: createLogger('trace', stream), written: () => text };
}

describe('withoutQuerySecrets', () => {
  it('redacts the values of secret-named query parameters and keeps the rest', () => {
    assert.equal(withoutQuerySecrets(`/ws?token=${TOKEN}`), '/ws?token=[redacted]');
    assert.equal(withoutQuerySecrets(`/x?room=alpha&access_token=${TOKEN}#top`), '/x?room=alpha&access_token=[redacted]#top');
    assert.equal(withoutQuerySecrets('/x?apiSecret=s1&password=p2&id=7'), '/x?apiSecret=[redacted]&password=[redacted]&id=7');
    assert.equal(withoutQuerySecrets('/idLookup?id=p1'), '/idLookup?id=p1');
    assert.equal(withoutQuerySecrets(`Reply was already sent in the "/ws?token=${TOKEN}" route`), 'Reply was already sent in the "/ws?token=[redacted]" route');
  });
});

describe('withoutSecrets', () => {
  it('replaces every occurrence of each known secret, and ignores empty ones', () => {
    assert.equal(withoutSecrets('api_secret: s3cr3t, again s3cr3t, admin: adm1n', ['s3cr3t', 'adm1n', '']), 'api_secret: [redacted], again [redacted], admin: [redacted]');
  });
});

describe('createLogger', () => {
  it('logs a request by method and URL, without the token in its query', () => {
    const { logger, written } = capturingLogger();
    logger.child({ component: 'http' }).info({ req: { method: 'GET', url: `/ws?token=${TOKEN}`, host: 'h', ip: '10.0.0.1', headers: { authorization: `Bearer ${TOKEN}` } } }, 'incoming request');
    const line = JSON.parse(written()) as { req: Record<string, unknown> };
    assert.deepEqual(line.req, { method: 'GET', url: '/ws?token=[redacted]', host: 'h', remoteAddress: '10.0.0.1' });
  });

  it('redacts bearer tokens, cookies and SIP-style authorization in logged headers, at any depth of one', () => {
    const { logger, written } = capturingLogger();
    const headers = { authorization: `Bearer ${TOKEN}`, cookie: `convene_token=${TOKEN}`, 'proxy-authorization': `Digest response="${TOKEN}"`, 'set-cookie': TOKEN, host: 'h' };
    logger.trace({ headers }, 'headers');
    logger.trace({ response: { headers } }, 'nested headers');
    assert.equal(written().includes(TOKEN), false, written());
    assert.match(written(), /"host":"h"/);
  });

  it('redacts a URL named in a message text', () => {
    const { logger, written } = capturingLogger();
    logger.warn(`in the "/ws?token=${TOKEN}" route`);
    assert.equal(written().includes(TOKEN), false, written());
  });
});
