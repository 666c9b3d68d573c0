/** An embedded Janus of its own for a test, in a temporary run directory. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { EmbeddedJanus } from '../../src/media/EmbeddedJanus.js';
import { mediaInterface } from './testServer.js';

/** `apiSecret` gives several nodes one secret, as an app server's JANUS_API_SECRET expects; random otherwise. */
export async function startTestJanus(rtpPortRange: string, apiSecret?: string): Promise<{ janus: EmbeddedJanus; runDir: string }> {
  const runDir = await mkdtemp(join(tmpdir(), 'convene-janus-'));
  const janus = await EmbeddedJanus.start({
    binary: 'janus', runDir, rtpPortRange, iceEnforceList: mediaInterface,
    natPublicIp: '', stunServer: '', debugLevel: 3, logger: pino({ level: 'silent' }),
    ...(apiSecret === undefined ? {} : { apiSecret }),
  });
  return { janus, runDir };
}
