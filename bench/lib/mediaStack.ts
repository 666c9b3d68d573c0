/**
 * The system under test: one Janus (our embedded-Janus launcher, so the same
 * configuration as production) and the app server as its own process
 * (`node dist/server/main.js`) pointed at that Janus through JANUS_URLS.
 * Separate processes let the benchmarks read each one's CPU and memory from
 * /proc, and the Janus URL and API secret let a client bypass the app
 * server for the overhead comparison.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pino } from 'pino';
import { EmbeddedJanus } from '../../src/media/EmbeddedJanus.js';
import { findFreePort } from '../../src/support/ports.js';
import { sleep } from '../../src/support/time.js';
import { repoRoot, scratchDir } from './paths.js';

export interface MediaStack {
  /** http://127.0.0.1:PORT of the app server. */
  readonly url: string;
  readonly janusUrl: string;
  readonly janusApiSecret: string;
  readonly janusPid: number;
  readonly serverPid: number;
  stop(): Promise<void>;
}

/** Media ports of the benchmark's Janus: room for a 24-person room (24 publishers, 552 subscriptions) and more. */
const RTP_PORT_RANGE = '40000-49999';
const SERVER_READY_TIMEOUT_MS = 20_000;

export async function startMediaStack(label: string, extraEnv: Record<string, string> = {}): Promise<MediaStack> {
  const runDir = await mkdtemp(join(tmpdir(), 'convene-bench-'));
  const janus = await EmbeddedJanus.start({
    binary: process.env['JANUS_BINARY'] ?? 'janus',
    runDir,
    rtpPortRange: RTP_PORT_RANGE,
    iceEnforceList: process.env['CONVENE_MEDIA_INTERFACE'] ?? '',
    natPublicIp: '',
    stunServer: '',
    debugLevel: 2,
    logger: pino({ level: 'silent' }),
  });
  let server: ChildProcess | undefined;
  try {
    const port = await findFreePort();
    await mkdir(scratchDir, { recursive: true });
    const log = createWriteStream(join(scratchDir, `server-${label}.log`));
    server = spawn(process.execPath, [join(repoRoot, 'dist/server/main.js')], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        RUN_DIR: runDir,
        LOG_LEVEL: 'warn',
        JANUS_URLS: janus.url,
        JANUS_API_SECRET: janus.apiSecret,
        TOKEN_SECRET: 'benchmark-token-secret-benchmark-token-secret',
        RECONNECT_GRACE_S: '2',
        // Every synthetic client comes from 127.0.0.1: the rate limits would measure themselves.
        RATE_LIMIT_JOIN_PER_MIN: '1000000',
        RATE_LIMIT_DIAL_PER_MIN: '1000000',
        RATE_LIMIT_WS_MSG_PER_S: '1000000',
        RATE_LIMIT_WS_BURST: '1000000',
        ...extraEnv,
      },
    });
    server.stdout?.pipe(log);
    server.stderr?.pipe(log);
    const url = `http://127.0.0.1:${port}`;
    await waitUntilReady(url, server);
    const child = server;
    return {
      url,
      janusUrl: janus.url,
      janusApiSecret: janus.apiSecret,
      janusPid: janus.pid!,
      serverPid: child.pid!,
      async stop() {
        await stopChild(child);
        await janus.stop();
        await rm(runDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (server) await stopChild(server);
    await janus.stop();
    await rm(runDir, { recursive: true, force: true });
    throw error;
  }
}

async function waitUntilReady(url: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + SERVER_READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the app server exited with code ${server.exitCode}; see ${scratchDir}`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`the app server at ${url} was not ready within ${SERVER_READY_TIMEOUT_MS} ms`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const forced = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(forced);
}
