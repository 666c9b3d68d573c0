/**
 * A coturn TURN server for a test: on the test namespace's media address,
 * a free port, a temporary directory, the TURN REST API shared secret
 * (`use-auth-secret`), stopped by the test when done.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LabProcess } from './labProcess.js';
import { freeUdpPort } from './telephony/freePort.js';

/** The address scripts/in-media-netns.sh gives the namespace's media interface; Janus gathers on it. */
const MEDIA_ADDRESS = '127.0.0.2';

export interface TestTurnServer {
  url: string;
  secret: string;
  /** coturn's log, to show why a test failed. */
  output(): string;
  stop(): Promise<void>;
}

export async function startCoturn(): Promise<TestTurnServer> {
  const dir = await mkdtemp(join(tmpdir(), 'convene-coturn-'));
  const secret = randomBytes(24).toString('base64url');
  const port = await freeUdpPort();
  const turnserver = await LabProcess.start('coturn', 'turnserver', [
    '-n', // no configuration file: everything is on this command line
    `--listening-ip=${MEDIA_ADDRESS}`, `--listening-port=${port}`, `--relay-ip=${MEDIA_ADDRESS}`,
    '--use-auth-secret', `--static-auth-secret=${secret}`, '--realm=convene.test',
    // Janus is a loopback peer here (127.0.0.2); coturn refuses to relay to loopback unless told.
    '--allow-loopback-peers',
    '--no-tls', '--no-dtls', '--no-cli', '--fingerprint', '--verbose',
    '--log-file=stdout', '--simple-log', `--pidfile=${join(dir, 'turnserver.pid')}`, `--userdb=${join(dir, 'turndb')}`,
  ], dir);
  const stop = async (): Promise<void> => {
    await turnserver.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await turnserver.waitForLine(/Total General servers/, 10_000);
  } catch {
    const failure = turnserver.failure('did not start');
    await stop();
    throw failure;
  }
  return { url: `turn:${MEDIA_ADDRESS}:${port}?transport=udp`, secret, output: () => turnserver.output(), stop };
}
