/** Who may frame the page: the CSP's frame-ancestors, and X-Frame-Options where it can say the same. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { loadConfig } from '../config/config.js';
import { registerSecurityHeaders } from './securityHeaders.js';

async function headersWith(frameAncestors?: string): Promise<Record<string, unknown>> {
  const app = Fastify();
  await registerSecurityHeaders(app, loadConfig(frameAncestors === undefined ? {} : { FRAME_ANCESTORS: frameAncestors }).FRAME_ANCESTORS);
  app.get('/', async () => ({ ok: true }));
  const response = await app.inject('/');
  await app.close();
  return response.headers;
}

function frameAncestorsOf(headers: Record<string, unknown>): string | undefined {
  return String(headers['content-security-policy'])
    .split(';')
    .find((directive) => directive.startsWith('frame-ancestors '))
    ?.slice('frame-ancestors '.length);
}

describe('security headers and FRAME_ANCESTORS', () => {
  it("lets only the page's own origin frame it by default", async () => {
    const headers = await headersWith();
    assert.equal(frameAncestorsOf(headers), "'self'");
    assert.equal(headers['x-frame-options'], 'SAMEORIGIN');
  });

  it("lets nobody frame it with 'none'", async () => {
    const headers = await headersWith("'none'");
    assert.equal(frameAncestorsOf(headers), "'none'");
    assert.equal(headers['x-frame-options'], 'DENY');
  });

  it('lets the listed origins frame it, and sends no X-Frame-Options, which cannot name them', async () => {
    const headers = await headersWith("'self' https://intranet.example.org https://*.example.com:8443");
    assert.equal(frameAncestorsOf(headers), "'self' https://intranet.example.org https://*.example.com:8443");
    assert.equal(headers['x-frame-options'], undefined);
  });

  it('refuses a setting that is not a list of origins', () => {
    for (const bad of ['self', "'none' 'self'", 'https://example.org/path', '*', "'unsafe-inline'", 'javascript:alert(1)']) {
      assert.throws(() => loadConfig({ FRAME_ANCESTORS: bad }), /FRAME_ANCESTORS/, bad);
    }
  });
});
