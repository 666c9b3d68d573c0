/**
 * The lab's SIP trunk: a kamailio process on 127.0.0.1 with a generated
 * config (see kamailioConfig.ts), ready once it answers OPTIONS.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freeUdpPort, retryOnPortClash, type StartFailure } from './freePort.js';
import { inviteLogMarker, renderKamailioConfig, type KamailioConfigInput } from './kamailioConfig.js';
import { LabProcess } from '../labProcess.js';
import { pingSipOptions } from './sipOptionsPing.js';

export type TrunkInviteOutcome = 'challenged' | 'forbidden' | 'rejected' | 'forwarded' | 'unknownNumber';

/** One INVITE as the trunk decided it, in arrival order. */
export interface TrunkInvite {
  readonly outcome: TrunkInviteOutcome;
  /** The response the trunk itself sent; undefined when it forwarded the call. */
  readonly code: number | undefined;
  /** The user part of the Request-URI as the caller sent it. */
  readonly number: string;
  /** The digest username, once the caller sent credentials. */
  readonly authUser: string | undefined;
  readonly callId: string;
}

export type KamailioTrunkOptions = Omit<KamailioConfigInput, 'sipPort'> & {
  /** Path of the kamailio binary (/usr/sbin, often not on a user's PATH). */
  readonly program: string;
  readonly workDir: string;
  readonly readyTimeoutMs: number;
};

const outcomes: readonly TrunkInviteOutcome[] = ['challenged', 'forbidden', 'rejected', 'forwarded', 'unknownNumber'];

function parseInviteLine(line: string): TrunkInvite | undefined {
  const at = line.indexOf(`${inviteLogMarker} `);
  if (at < 0) return undefined;
  const fields = new Map<string, string>();
  for (const pair of line.slice(at + inviteLogMarker.length + 1).trim().split(' ')) {
    const eq = pair.indexOf('=');
    if (eq > 0) fields.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const outcome = outcomes.find((known) => known === fields.get('outcome'));
  const code = Number(fields.get('code'));
  const authUser = fields.get('authUser');
  if (!outcome) return undefined;
  return {
    outcome,
    code: code > 0 ? code : undefined,
    number: fields.get('number') ?? '',
    authUser: authUser && authUser !== '<null>' ? authUser : undefined,
    callId: fields.get('callId') ?? '',
  };
}

export class KamailioTrunk {
  private readonly seen: TrunkInvite[] = [];

  private constructor(
    readonly sipPort: number,
    private readonly process: LabProcess,
  ) {
    process.onOutputLine((line) => {
      const invite = parseInviteLine(line);
      if (invite) this.seen.push(invite);
    });
  }

  static start(options: KamailioTrunkOptions): Promise<KamailioTrunk> {
    return retryOnPortClash(() => KamailioTrunk.startOnce(options), (value) => value instanceof KamailioTrunk);
  }

  private static async startOnce(options: KamailioTrunkOptions): Promise<KamailioTrunk | StartFailure> {
    const { program, workDir, readyTimeoutMs, ...configInput } = options;
    const sipPort = await freeUdpPort();
    const runtimeDir = join(workDir, 'run');
    await mkdir(runtimeDir, { recursive: true });
    const configPath = join(workDir, 'kamailio.cfg');
    await writeFile(configPath, renderKamailioConfig({ ...configInput, sipPort }));
    // -DD: stay in the foreground so we own the process; -E: log to stderr,
    // which is where the per-INVITE lines are read from.
    const args = ['-DD', '-E', '-f', configPath, '-m', '32', '-M', '4', '-Y', runtimeDir, '-w', workDir];
    const process = await LabProcess.start('kamailio', program, args, workDir);
    const trunk = new KamailioTrunk(sipPort, process);
    try {
      await pingSipOptions(sipPort, readyTimeoutMs, () => process.hasExited);
      return trunk;
    } catch (error) {
      await process.stop();
      return { error: process.failure(`not ready: ${(error as Error).message}`), portClash: process.output().includes('in use') };
    }
  }

  /** Where callers send INVITEs, e.g. `sip:+15550001000@127.0.0.1:PORT`. */
  get host(): string {
    return `127.0.0.1:${this.sipPort}`;
  }

  /** Every INVITE decision so far, oldest first. */
  invites(): readonly TrunkInvite[] {
    return [...this.seen];
  }

  output(): string {
    return this.process.output();
  }

  stop(): Promise<void> {
    return this.process.stop();
  }
}
