/**
 * Starts a real Convene server (with its embedded Janus) for a test, on
 * loopback with a free port and a temporary run directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logging/logger.js';
import { startServer, type RunningServer } from '../../src/server/startServer.js';

// The server under test runs in this process, so a promise it leaves rejected with nobody listening is
// node:test's to catch: it fails the file, but when the rejection comes from the server (whose sockets
// belong to a finished `before` hook) it names only the message, under a test marked as passed. The
// whole error says where it came from.
process.on('unhandledRejection', (reason) => {
  console.error('Unhandled rejection in the server under test; this test file fails:', reason);
});

/** Set by scripts/in-media-netns.sh: the interface ICE may use inside the test namespace. */
export const mediaInterface = process.env['CONVENE_MEDIA_INTERFACE'] ?? '';

/** `logTo` takes the server's log lines instead of stdout (see LogCapture). */
export async function startTestServer(overrides: Record<string, string> = {}, logTo?: DestinationStream): Promise<RunningServer & { runDir: string }> {
  const runDir = await mkdtemp(join(tmpdir(), 'convene-test-'));
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    RUN_DIR: runDir,
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'warn',
    JANUS_ICE_ENFORCE_LIST: mediaInterface,
    JANUS_RTP_PORT_RANGE: '40000-40999',
    JANUS_DEBUG_LEVEL: '3',
    RECONNECT_GRACE_S: '3',
    ...overrides,
  });
  const server = await startServer(config, createLogger(config.LOG_LEVEL, logTo));
  return {
    ...server,
    runDir,
    async close() {
      await server.close();
      await rm(runDir, { recursive: true, force: true });
    },
  };
}

