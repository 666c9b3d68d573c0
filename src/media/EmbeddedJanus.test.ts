/** The embedded Janus is supervised: killed, it is started again. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { startTestJanus } from '../../test/support/testJanus.js';
import type { EmbeddedJanus } from './EmbeddedJanus.js';
import { JanusConnection } from './janus/JanusConnection.js';

const logger = pino({ level: 'silent' });

describe('EmbeddedJanus', () => {
  let runDir: string;
  let janus: EmbeddedJanus;

  before(async () => {
    ({ janus, runDir } = await startTestJanus('41200-41300'));
  });

  after(async () => {
    await janus?.stop();
    await rm(runDir, { recursive: true, force: true });
  });

  it('writes a private configuration: loopback API and Admin API behind their secrets, bounded RTP ports', async () => {
    const transport = await readFile(join(runDir, 'janus', 'janus.transport.websockets.jcfg'), 'utf8');
    assert.match(transport, /ws_ip = "127\.0\.0\.1"/);
    assert.match(transport, /admin_ws_ip = "127\.0\.0\.1"/);
    assert.match(janus.admin.url, /^ws:\/\/127\.0\.0\.1:\d+$/);
    const core = await readFile(join(runDir, 'janus', 'janus.jcfg'), 'utf8');
    assert.match(core, new RegExp(`api_secret = "${janus.apiSecret}"`));
    assert.match(core, new RegExp(`admin_secret = "${janus.admin.secret}"`));
    assert.notEqual(janus.admin.secret, janus.apiSecret);
    assert.match(core, /rtp_port_range = "41200-41300"/);
  });

  it('starts a new Janus within 5 s after SIGKILL', async () => {
    const firstPid = janus.pid;
    assert.ok(firstPid);
    const ready = new Promise<void>((resolve) => janus.once('ready', resolve));
    const killedAt = Date.now();
    process.kill(firstPid, 'SIGKILL');
    await Promise.race([ready, new Promise((_, reject) => setTimeout(() => reject(new Error('no restart within 5 s')), 5_000))]);
    assert.ok(Date.now() - killedAt < 5_000);
    assert.notEqual(janus.pid, firstPid);
    const connection = await JanusConnection.connect({ url: janus.url, apiSecret: janus.apiSecret, logger });
    try {
      assert.equal((await connection.info()).version_string, '1.1.2');
    } finally {
      connection.close();
    }
  });
});
