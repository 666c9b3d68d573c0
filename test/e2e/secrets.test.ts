/**
 * Whoever reads the logs or the run directory must not be able to act as
 * anyone, and the page must keep working under its security headers.
 *
 * A server logging at trace (its embedded Janus at debug level 7) with
 * every secret configured is driven through two Chromium pages that decode
 * each other, a phone dial-out through the SIP lab's trunk (digest auth),
 * TURN credentials in the welcome, and one use of each operator secret; then
 * not one of those secrets may appear in all it logged. A second server,
 * started in a run directory an older version left readable, must make its
 * secret files the server user's alone.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser.js';
import { startTestServer } from '../support/testServer.js';
import { LogCapture } from '../support/logCapture.js';
import { expectMediaFlowing, joinMeeting, waitFor } from '../support/meetingPage.js';
import { startSipLab, type SipLab } from '../support/telephony/sipLab.js';

const ROOM = 'secrets';
const EMBEDDER = 'https://intranet.example.org';
const OPERATOR_SECRETS = {
  TOKEN_SECRET: 'token-secret-of-the-log-test-0123456789',
  TURN_SECRET: 'turn-secret-of-the-log-test',
  ADMIN_SECRET: 'admin-secret-of-the-log-test',
  CALLBACK_SECRET: 'callback-secret-of-the-log-test',
  METRICS_SECRET: 'metrics-secret-of-the-log-test',
};

/** A meeting page, with what the server gave it and what Chromium said about its Content-Security-Policy. */
interface WatchedPage {
  page: Page;
  token: string;
  turnCredentials: string[];
  cspViolations(): Promise<string[]>;
}

async function joinWatched(browser: Browser, baseUrl: string, name: string): Promise<WatchedPage> {
  const page = await newPage(browser);
  const consoleReports: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) consoleReports.push(message.text());
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    Object.assign(window, { cspViolations: seen });
    document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.effectiveDirective} ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber} ${event.sample}`));
  });
  const turnCredentials: string[] = [];
  page.on('websocket', (socket) =>
    socket.on('framereceived', (frame) => {
      const message = JSON.parse(String(frame.payload)) as { type: string; iceServers?: Array<{ credential?: string }> };
      if (message.type !== 'welcome') return;
      for (const server of message.iceServers ?? []) if (server.credential) turnCredentials.push(server.credential);
    }),
  );
  const joinReply = page.waitForResponse((response) => response.url().endsWith('/joinCall'));
  await joinMeeting(page, baseUrl, name, ROOM);
  const { token } = (await (await joinReply).json()) as { token: string };
  const cspViolations = async () => [...consoleReports, ...(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations))];
  return { page, token, turnCredentials, cspViolations };
}

/** A request from the page itself, as its own code makes them: with its token. */
function pageRequest(watched: WatchedPage, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  return watched.page.evaluate(
    async ({ path: target, body: payload, token }) => {
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(payload),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    },
    { path, body, token: watched.token },
  );
}

function expectSecurityHeaders(response: Response, what: string): void {
  const csp = response.headers.get('content-security-policy') ?? '';
  const directives = new Map(csp.split(';').map((directive) => {
    const [name = '', ...sources] = directive.trim().split(/\s+/);
    return [name, sources.join(' ')] as const;
  }));
  assert.equal(directives.get('script-src'), "'self'", `${what}: ${csp}`);
  assert.equal(directives.get('script-src-attr'), "'none'", `${what}: ${csp}`);
  assert.equal(directives.get('connect-src'), "'self'", `${what}: ${csp}`);
  assert.equal(directives.get('frame-ancestors'), `'self' ${EMBEDDER}`, `${what}: ${csp}`);
  assert.equal(directives.has('upgrade-insecure-requests'), false, `${what}: ${csp}`);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(response.headers.get('referrer-policy'), 'no-referrer', what);
  // X-Frame-Options cannot name another origin: with one allowed, frame-ancestors alone decides.
  assert.equal(response.headers.get('x-frame-options'), null, what);
  assert.equal(response.headers.get('cross-origin-resource-policy'), 'same-origin', what);
}

describe('secrets stay out of the log at trace level, and the page works under its security headers', () => {
  const log = new LogCapture();
  let lab: SipLab;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let alice: WatchedPage;
  let bob: WatchedPage;
  /** Tokens handed out by requests the test makes itself. */
  const otherTokens: string[] = [];

  before(async () => {
    lab = await startSipLab();
    server = await startTestServer(
      {
        LOG_LEVEL: 'trace',
        JANUS_DEBUG_LEVEL: '7',
        ...OPERATOR_SECRETS,
        // No TURN server listens there: only the credentials the pages are given matter here.
        TURN_URLS: 'turn:127.0.0.1:9?transport=udp',
        FRAME_ANCESTORS: `'self' ${EMBEDDER}`,
        SIP_TRUNK_URI: lab.trunk.uri,
        SIP_USERNAME: lab.trunk.username,
        SIP_PASSWORD: lab.trunk.password,
        SIP_FROM_NUMBER: '+15550009999',
        SIP_ALLOWED_NUMBERS: lab.numbers.answers,
        SIP_BIND_ADDRESS: '127.0.0.1',
        SIP_PORT: '0',
        SIP_MEDIA_ADDRESS: '127.0.0.1',
      },
      log,
    );
    browser = await launchBrowser();
    alice = await joinWatched(browser, server.url, 'Alice');
    bob = await joinWatched(browser, server.url, 'Bob');
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await lab?.stop();
  });

  it('each page decodes the other’s video and audio, and Chromium reports no CSP violation', async () => {
    for (const watched of [alice, bob]) await expectMediaFlowing(watched.page);
    for (const watched of [alice, bob]) assert.deepEqual(await watched.cspViolations(), []);
    // The watch itself works: an image from elsewhere is refused and reported.
    await alice.page.evaluate(() => document.body.append(Object.assign(document.createElement('img'), { src: 'https://elsewhere.invalid/x.png' })));
    const reported = await waitFor(() => alice.cspViolations(), (seen) => seen.length > 0, 5_000);
    assert.match(reported.join('\n'), /img-src/);
  });

  it('dials a phone from the page through the trunk’s digest authentication', async () => {
    const started = await pageRequest(alice, '/startPSTNCall', { number: lab.numbers.answers, name: 'Phone' });
    assert.equal(started.status, 200, JSON.stringify(started.json));
    const call = await lab.phone.waitForEstablished();
    const ended = await pageRequest(alice, '/endPSTNCall', { callId: started.json['callId'] });
    assert.equal(ended.status, 200, JSON.stringify(ended.json));
    await lab.phone.waitForClosed(call.callId);
  });

  it('sends the security headers with the page, an API answer and API errors', async () => {
    expectSecurityHeaders(await fetch(`${server.url}/`), 'the page');
    const joined = await fetch(`${server.url}/joinCall`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Carol', room: 'headers' }),
    });
    assert.equal(joined.status, 200);
    const carolToken = ((await joined.json()) as { token: string }).token;
    otherTokens.push(carolToken);
    expectSecurityHeaders(joined, 'POST /joinCall');
    // Pages authenticate with a message; a client that connects after joining puts its token in the upgrade's URL instead.
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/ws?token=${carolToken}`);
    const [welcome] = (await once(socket, 'message')) as [Buffer];
    assert.equal((JSON.parse(welcome.toString()) as { type: string }).type, 'welcome');
    socket.close(1000);
    const missing = await fetch(`${server.url}/no-such-route`);
    assert.equal(missing.status, 404);
    expectSecurityHeaders(missing, 'a 404');
    const unroutable = await fetch(`${server.url}/%zz`);
    assert.equal(unroutable.status, 400);
    expectSecurityHeaders(unroutable, 'a URL that cannot be routed');
  });

  it('takes each operator secret once', async () => {
    const withSecret = (path: string, secret: string, body?: unknown) =>
      fetch(`${server.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    assert.equal((await withSecret('/metrics', OPERATOR_SECRETS.METRICS_SECRET)).status, 200);
    assert.equal((await withSecret('/Callbacks/answer', OPERATOR_SECRETS.CALLBACK_SECRET, { callId: 'no-such-call', sdp: 'v=0\r\ns=-\r\n' })).status, 404);
    assert.equal((await withSecret('/endSession', OPERATOR_SECRETS.ADMIN_SECRET, { room: ROOM })).status, 200);
  });

  it('has not logged one of the secrets', async (t) => {
    const janus = server.embeddedJanus;
    assert.ok(janus, 'the embedded Janus runs');
    const secrets: Record<string, string[]> = {
      'participant tokens': [alice.token, bob.token, ...otherTokens],
      'TURN credentials': [...alice.turnCredentials, ...bob.turnCredentials],
      'SIP password': [lab.trunk.password],
      'Janus secrets': [janus.apiSecret, janus.admin.secret],
      ...Object.fromEntries(Object.entries(OPERATOR_SECRETS).map(([name, value]) => [name, [value]])),
    };
    assert.equal(secrets['TURN credentials']!.length, 2, 'each page was given a TURN credential');
    const lines = log.lines;
    for (const [what, values] of Object.entries(secrets)) {
      for (const value of values) {
        const leaks = lines.filter((line) => line.includes(value));
        assert.equal(leaks.length, 0, `${what} logged in ${leaks.length} lines, the first: ${leaks[0]?.slice(0, 400)}`);
      }
    }
    const digests = lines.filter((line) => /authorization:\s*digest/i.test(line));
    assert.equal(digests.length, 0, `SIP digest credentials logged: ${digests[0]?.slice(0, 400)}`);
    // Each place a secret would pass was logged, redacted: the check above did not pass for want of lines.
    const redacted = {
      'the signalling upgrade': lines.filter((line) => line.includes('/ws?token=[redacted]')).length,
      'the SIP INVITE': lines.filter((line) => line.includes('SIP out') && /Proxy-Authorization: \[redacted\]/.test(line)).length,
      'Janus printing its configuration': lines.filter((line) => line.includes('api_secret: [redacted]')).length,
    };
    for (const [where, count] of Object.entries(redacted)) assert.ok(count > 0, `expected redacted log lines for ${where}`);
    const checked = Object.values(secrets).flat().length;
    t.diagnostic(`${lines.length} log lines checked for ${checked} secrets; redacted lines: ${JSON.stringify(redacted)}`);
  });
});

describe('secret files under RUN_DIR', () => {
  let runDir: string;
  let server: Awaited<ReturnType<typeof startTestServer>>;

  before(async () => {
    // What an older version left behind: a readable run directory and Janus configuration.
    runDir = join(await mkdtemp(join(tmpdir(), 'convene-modes-')), 'run');
    await mkdir(join(runDir, 'janus'), { recursive: true });
    await writeFile(join(runDir, 'janus', 'janus.jcfg'), 'general: {\n}\n');
    for (const [path, mode] of [[runDir, 0o755], [join(runDir, 'janus'), 0o755], [join(runDir, 'janus', 'janus.jcfg'), 0o644]] as const) await chmod(path, mode);
    server = await startTestServer({ RUN_DIR: runDir, TLS_SELF_SIGNED: 'true' });
  });

  after(async () => {
    await server?.close();
    if (runDir) await rm(join(runDir, '..'), { recursive: true, force: true });
  });

  it('are readable by the server user only: folders 700, files 600', async (t) => {
    const janusFiles = (await readdir(join(runDir, 'janus'))).map((name) => join('janus', name));
    assert.ok(janusFiles.includes(join('janus', 'janus.jcfg')));
    const expected: Array<[string, number]> = [
      ['.', 0o700],
      ['janus', 0o700],
      ...janusFiles.map((file): [string, number] => [file, 0o600]),
      ['token-secret', 0o600],
      ['tls', 0o700],
      [join('tls', 'key.pem'), 0o600],
    ];
    for (const [path, mode] of expected) {
      const actual = (await stat(join(runDir, path))).mode & 0o777;
      t.diagnostic(`${path}: ${actual.toString(8)}`);
      assert.equal(actual.toString(8), mode.toString(8), `mode of RUN_DIR/${path}`);
    }
  });
});
