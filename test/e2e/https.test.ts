/**
 * TLS_SELF_SIGNED=true: the app serves HTTPS with a certificate it made,
 * and meeting pages join over https (signalling over wss) and get media.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { get } from 'node:https';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser.js';
import { startTestServer } from '../support/testServer.js';
import { expectMediaFlowing, joinMeeting } from '../support/meetingPage.js';

/** GET over https, trusting only the given certificate. */
function getTrusting(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('HTTPS with a self-signed certificate', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;

  before(async () => {
    server = await startTestServer({ TLS_SELF_SIGNED: 'true' });
    browser = await launchBrowser(['--ignore-certificate-errors']);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('answers over https with the certificate kept in RUN_DIR/tls', async () => {
    assert.match(server.url, /^https:\/\//);
    const cert = await readFile(join(server.runDir, 'tls', 'cert.pem'));
    const health = await getTrusting(`${server.url}/healthz`, cert);
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { status: 'ok' });
    await assert.rejects(getTrusting(`${server.url}/healthz`, Buffer.from('')), /self-signed|certificate/i, 'an untrusting client refuses it');
  });

  it('two pages join over https, signal over wss, and decode each other', async () => {
    const pages: Page[] = await Promise.all([newPage(browser), newPage(browser)]);
    const socketUrls: string[] = [];
    for (const page of pages) page.on('websocket', (socket) => socketUrls.push(socket.url()));
    await joinMeeting(pages[0]!, server.url, 'Alice', 'secure');
    await joinMeeting(pages[1]!, server.url, 'Bob', 'secure');
    assert.equal(socketUrls.length, 2);
    for (const url of socketUrls) assert.match(url, /^wss:\/\//);
    for (const page of pages) {
      assert.equal(await page.evaluate(() => window.isSecureContext && location.protocol), 'https:');
      await expectMediaFlowing(page);
    }
  });
});
