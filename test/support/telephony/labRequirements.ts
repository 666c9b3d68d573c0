/**
 * Checks up front that the lab's Debian packages are installed, so a
 * machine without them fails with the install line rather than with a
 * spawn error deep inside a test.
 */
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** Program, and the Debian package that ships it. */
const needed = [
  ['kamailio', 'kamailio'],
  ['baresip', 'baresip-core'],
  ['sox', 'sox'],
  ['sipp', 'sip-tester'],
] as const;

async function locate(program: string): Promise<string | undefined> {
  // kamailio lives in /usr/sbin, which a non-root PATH may lack.
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/bin'];
  for (const dir of dirs) {
    try {
      await access(join(dir, program), constants.X_OK);
      return join(dir, program);
    } catch {
      // Try the next directory.
    }
  }
  return undefined;
}

export type LabPrograms = Record<(typeof needed)[number][0], string>;

/** Absolute paths of the lab's programs; throws with the install line if any is missing. */
export async function findLabPrograms(): Promise<LabPrograms> {
  const found: Partial<Record<string, string>> = {};
  const missing: string[] = [];
  for (const [program, pkg] of needed) {
    const path = await locate(program);
    if (path) found[program] = path;
    else missing.push(pkg);
  }
  if (missing.length > 0) {
    throw new Error(`SIP lab needs Debian packages: apt-get install --no-install-recommends ${missing.join(' ')}`);
  }
  return found as LabPrograms;
}
