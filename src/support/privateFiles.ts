/**
 * Files and folders under RUN_DIR that hold secrets (the token key, the
 * embedded Janus's configuration, the TLS key) are the server user's alone.
 * `mode` only applies when a file or folder is created, and the umask trims
 * it, so each is also chmod-ed: that mends what an older version or another
 * program (openssl) left readable.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

export async function makePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: PRIVATE_DIR_MODE });
  await chmod(path, PRIVATE_DIR_MODE);
}

export async function writePrivateFile(path: string, content: string): Promise<void> {
  await writeFile(path, content, { mode: PRIVATE_FILE_MODE });
  await chmod(path, PRIVATE_FILE_MODE);
}

/** For a file some other program wrote. */
export function keepPrivate(path: string): Promise<void> {
  return chmod(path, PRIVATE_FILE_MODE);
}
