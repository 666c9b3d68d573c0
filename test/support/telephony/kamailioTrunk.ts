/**
 * The lab's SIP trunk: a kamailio process on 127.0.0.1 with a generated
 * config (see kamailioConfig.ts), ready once it answers OPTIONS.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freeUdpPort, retryOnPortClash, type StartFailure } from './freePort.js';
import { byeLogMarker, inviteLogMarker, renderKamailioConfig, type KamailioConfigInput } from './kamailioConfig.js';
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

export type TrunkByeOutcome = 'challenged' | 'forbidden' | 'relayed';

/** One in-dialog BYE as the trunk decided it, in arrival order. */
export interface TrunkBye {
  readonly outcome: TrunkByeOutcome;
  /** The response the trunk itself sent; undefined when it relayed the BYE. */
  readonly code: number | undefined;
  /** Who sent it: the caller (our server, through the trunk's front) or the lab phone behind it. */
  readonly side: 'caller' | 'phone';
  /** The digest username, when the BYE carried credentials the trunk checked. */
  readonly authUser: string | undefined;
  readonly callId: string;
}

export type KamailioTrunkOptions = Omit<KamailioConfigInput, 'sipPort'> & {
  /** Path of the kamailio binary (/usr/sbin, often not on a user's PATH). */
  readonly program: string;
  readonly workDir: string;
  readonly readyTimeoutMs: number;
};

const inviteOutcomes: readonly TrunkInviteOutcome[] = ['challenged', 'forbidden', 'rejected', 'forwarded', 'unknownNumber'];
const byeOutcomes: readonly TrunkByeOutcome[] = ['challenged', 'forbidden', 'relayed'];
const sides = ['caller', 'phone'] as const;

/** The `key=value` fields of a log line that carries `marker`, or undefined for any other line. */
function markedFields(line: string, marker: string): Map<string, string> | undefined {
  const at = line.indexOf(`${marker} `);
  if (at < 0) return undefined;
  const fields = new Map<string, string>();
  for (const pair of line.slice(at + marker.length + 1).trim().split(' ')) {
    const eq = pair.indexOf('=');
    if (eq > 0) fields.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return fields;
}

/** The fields every decision line has; kamailio prints `<null>` for a missing digest username. */
function decisionFields(fields: Map<string, string>): { code: number | undefined; authUser: string | undefined; callId: string } {
  const code = Number(fields.get('code'));
  const authUser = fields.get('authUser');
  return {
    code: code > 0 ? code : undefined,
    authUser: authUser && authUser !== '<null>' ? authUser : undefined,
    callId: fields.get('callId') ?? '',
  };
}

function parseInviteLine(line: string): TrunkInvite | undefined {
  const fields = markedFields(line, inviteLogMarker);
  const outcome = inviteOutcomes.find((known) => known === fields?.get('outcome'));
  if (!fields || !outcome) return undefined;
  return { outcome, number: fields.get('number') ?? '', ...decisionFields(fields) };
}

function parseByeLine(line: string): TrunkBye | undefined {
  const fields = markedFields(line, byeLogMarker);
  const outcome = byeOutcomes.find((known) => known === fields?.get('outcome'));
  const side = sides.find((known) => known === fields?.get('side'));
  if (!fields || !outcome || !side) return undefined;
  return { outcome, side, ...decisionFields(fields) };
}

export class KamailioTrunk {
  private readonly seenInvites: TrunkInvite[] = [];
  private readonly seenByes: TrunkBye[] = [];

  private constructor(
    readonly sipPort: number,
    private readonly process: LabProcess,
  ) {
    process.onOutputLine((line) => {
      const invite = parseInviteLine(line);
      if (invite) this.seenInvites.push(invite);
      const bye = parseByeLine(line);
      if (bye) this.seenByes.push(bye);
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
    // which is where the per-INVITE and per-BYE lines are read from.
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
    return [...this.seenInvites];
  }

  /** Every in-dialog BYE decision so far, oldest first. */
  byes(): readonly TrunkBye[] {
    return [...this.seenByes];
  }

  output(): string {
    return this.process.output();
  }

  stop(): Promise<void> {
    return this.process.stop();
  }
}
