/**
 * The certificate the app serves HTTPS with: the operator's files
 * (TLS_CERT_FILE, TLS_KEY_FILE), or a self-signed one (TLS_SELF_SIGNED)
 * made once with the openssl command and kept in RUN_DIR/tls, so browsers
 * that were told to trust it keep trusting it after a restart.
 */
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { keepPrivate, makePrivateDir } from '../support/privateFiles.js';

export interface TlsFiles {
  key: Buffer;
  cert: Buffer;
}

const SELF_SIGNED_DAYS = 825;

export async function loadTls(config: Config, runDir: string, logger: Logger): Promise<TlsFiles | undefined> {
  if (config.TLS_CERT_FILE) return readPair(config.TLS_CERT_FILE, config.TLS_KEY_FILE);
  if (!config.TLS_SELF_SIGNED) return undefined;
  const dir = join(runDir, 'tls');
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await makePrivateDir(dir);
  if (!(await exists(certFile)) || !(await exists(keyFile))) {
    await generateSelfSigned(certFile, keyFile);
    logger.warn({ certFile }, 'generated a self-signed certificate: browsers will warn until it is trusted or a real certificate is used');
  }
  // Depending on its version, openssl writes the key with the umask's mode; a key left by an older setup may be readable too.
  await keepPrivate(keyFile);
  return readPair(certFile, keyFile);
}

async function readPair(certFile: string, keyFile: string): Promise<TlsFiles> {
  try {
    return { cert: await readFile(certFile), key: await readFile(keyFile) };
  } catch (error) {
    throw new Error(`cannot read the TLS certificate or key: ${(error as Error).message}`);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function generateSelfSigned(certFile: string, keyFile: string): Promise<void> {
  const host = hostname();
  const names = ['DNS:localhost', 'IP:127.0.0.1', 'IP:::1', ...(host && host !== 'localhost' ? [`DNS:${host}`] : [])];
  try {
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-days', String(SELF_SIGNED_DAYS), '-subj', '/CN=Convene self-signed',
      '-addext', `subjectAltName=${names.join(',')}`,
      '-keyout', keyFile, '-out', certFile,
    ]);
  } catch (error) {
    throw new Error(`cannot generate a self-signed certificate with openssl (apt-get install openssl): ${(error as Error).message}`);
  }
}
