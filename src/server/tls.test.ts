/** The self-signed certificate is made once and reused; operator files are read as given. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../config/config.js';
import { loadTls } from './tls.js';

const logger = pino({ level: 'silent' });

describe('loadTls', () => {
  it('serves plain HTTP unless told otherwise', async () => {
    assert.equal(await loadTls(loadConfig({}), tmpdir(), logger), undefined);
  });

  it('generates a self-signed certificate for localhost once and reuses it on the next start', async () => {
    const runDir = await mkdtemp(join(tmpdir(), 'convene-tls-'));
    try {
      const config = loadConfig({ TLS_SELF_SIGNED: 'true' });
      const first = await loadTls(config, runDir, logger);
      assert.ok(first);
      const cert = new X509Certificate(first.cert);
      assert.match(cert.subjectAltName ?? '', /DNS:localhost/);
      assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
      assert.ok(cert.checkPrivateKey(createPrivateKey(first.key)));
      const second = await loadTls(config, runDir, logger);
      assert.deepEqual(second, first);
    } finally {
      await rm(runDir, { recursive: true, force: true });
    }
  });

  it('keeps the key and its folder private, even when an older setup left them readable', async () => {
    const runDir = await mkdtemp(join(tmpdir(), 'convene-tls-'));
    try {
      const config = loadConfig({ TLS_SELF_SIGNED: 'true' });
      await loadTls(config, runDir, logger);
      await chmod(join(runDir, 'tls'), 0o755);
      await chmod(join(runDir, 'tls', 'key.pem'), 0o644);
      await loadTls(config, runDir, logger);
      const modeOf = async (path: string) => ((await stat(join(runDir, path))).mode & 0o777).toString(8);
      assert.deepEqual([await modeOf('tls'), await modeOf('tls/key.pem')], ['700', '600']);
    } finally {
      await rm(runDir, { recursive: true, force: true });
    }
  });

  it('reads the configured files, and says which setting is wrong when they are missing', async () => {
    const config = loadConfig({ TLS_CERT_FILE: '/nonexistent/cert.pem', TLS_KEY_FILE: '/nonexistent/key.pem' });
    await assert.rejects(loadTls(config, tmpdir(), logger), /cannot read the TLS certificate or key/);
    assert.throws(() => loadConfig({ TLS_CERT_FILE: '/x/cert.pem' }), /TLS_CERT_FILE and TLS_KEY_FILE go together/);
  });
});
