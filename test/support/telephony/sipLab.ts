/**
 * SIP lab for end-to-end tests of phone dial-out: a real SIP trunk
 * (kamailio) that demands digest auth, and a real phone (baresip) behind
 * it that answers with a 1 kHz tone and records what it hears. SIP and
 * control sockets listen on 127.0.0.1 only, on free ports, with one temp
 * folder; SDP and so all media point at 127.0.0.1 (baresip 1.0 still binds
 * its RTP sockets to 0.0.0.0: see README.md).
 *
 * Debian packages it needs (apt-get install --no-install-recommends):
 *   kamailio     the trunk
 *   baresip-core the phone and the self-test's caller (modules g711,
 *                aufile, aubridge, sndfile, account, menu, ctrl_tcp)
 *   sox          writes the tone WAVs at test time
 *
 * Usage:
 *   const lab = await startSipLab();
 *   // point the server's trunk at lab.trunk.host with lab.trunk.username/password,
 *   // dial lab.numbers.answers, then:
 *   const call = await lab.phone.waitForEstablished();
 *   await lab.phone.hangup();
 *   const heard = await analyseWavTone(call.recording!.heardWav);
 *   await lab.stop();
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChallengeKind } from './kamailioConfig.js';
import { KamailioTrunk, type TrunkBye, type TrunkInvite } from './kamailioTrunk.js';
import { findLabPrograms } from './labRequirements.js';
import { defaultNumberBehaviours, labNumbers, type PhoneBehaviour } from './phoneBehaviour.js';
import { SipCaller, type CallerProfile } from './sipCaller.js';
import { SipPhone, phoneUsers } from './sipPhone.js';

// The lab's entry point also hands out what a dial-out test needs next.
export { answer, busy, decline, labNumbers, ringForever, toServer, defaultNumberBehaviours, type PhoneBehaviour } from './phoneBehaviour.js';
export { analyseWavTail, analyseWavTone, dominantFrequencyHz, type ToneReport } from './toneAnalysis.js';
export { telephonyOverrides } from './labServerSettings.js';
export type { AgentCall } from './baresipAgent.js';
export type { ChallengeKind } from './kamailioConfig.js';
export type { TrunkBye, TrunkInvite } from './kamailioTrunk.js';
export type { SipCaller } from './sipCaller.js';
export type { SipPhone } from './sipPhone.js';

export interface PortRange {
  readonly min: number;
  readonly max: number;
}

export interface SipLabOptions {
  /** Digest username the trunk accepts; default `trunkuser`. */
  readonly username?: string;
  /** Digest password; default a random one (read it from `lab.trunk.password`). */
  readonly password?: string;
  /** Digest realm; default `sip-lab`. */
  readonly realm?: string;
  /** 'proxy' (default): 407 Proxy-Authenticate; 'www': 401 WWW-Authenticate. */
  readonly challenge?: ChallengeKind;
  /**
   * Challenge BYEs from the caller's side (our server) the same way, as
   * strict providers do, and relay them only with valid credentials; the
   * phone's own BYEs are relayed either way. Default false.
   */
  readonly challengeBye?: boolean;
  /** What happens per dialled number; default `defaultNumberBehaviours` (see `lab.numbers`). Unlisted numbers get 404. */
  readonly numbers?: Readonly<Record<string, PhoneBehaviour>>;
  /** Tone the phone plays into calls; default 1000 Hz. */
  readonly phoneToneHz?: number;
  /** Length of the tone files, so the longest call in a test; default 120 s. */
  readonly toneDurationS?: number;
  /** Phone's RTP/RTCP ports; default 30000-30999, clear of the test Janus range. */
  readonly phoneRtpPorts?: PortRange;
  /** Per-process start-up limit; default 10 s. */
  readonly readyTimeoutMs?: number;
  /** Leave the temp folder (configs, recordings) after stop(), for debugging. */
  readonly keepWorkDir?: boolean;
}

export interface SipLabTrunk {
  /** `127.0.0.1:PORT`, UDP. */
  readonly host: string;
  readonly port: number;
  /** `sip:127.0.0.1:PORT`, for an outbound proxy / trunk address setting. */
  readonly uri: string;
  readonly username: string;
  readonly password: string;
  readonly realm: string;
  readonly challenge: ChallengeKind;
  readonly challengeBye: boolean;
  /** Each INVITE the trunk decided on, oldest first (challenged, forbidden, forwarded…). */
  readonly invites: () => readonly TrunkInvite[];
  /** Each in-dialog BYE the trunk decided on, oldest first (challenged, forbidden, relayed), with its side. */
  readonly byes: () => readonly TrunkBye[];
}

export interface StartCallerOptions {
  readonly profiles: Readonly<Record<string, CallerProfile>>;
  /** Tone the caller plays; default 440 Hz. */
  readonly toneHz?: number;
  readonly rtpPorts?: PortRange;
}

export interface SipLab {
  readonly trunk: SipLabTrunk;
  readonly phone: SipPhone;
  /** The default numbers; only meaningful when `numbers` was not replaced. */
  readonly numbers: typeof labNumbers;
  readonly workDir: string;
  /** A reference baresip caller wired to this trunk; stopped with the lab. */
  startCaller(options: StartCallerOptions): Promise<SipCaller>;
  /** Recent output of every process, for a failing test's message. */
  diagnostics(): string;
  /** Stops every process and removes the temp folder; safe to call twice. */
  stop(): Promise<void>;
}

export async function startSipLab(options: SipLabOptions = {}): Promise<SipLab> {
  const programs = await findLabPrograms();
  const workDir = await mkdtemp(join(tmpdir(), 'sip-lab-'));
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  const toneDurationS = options.toneDurationS ?? 120;
  const stoppables: Array<{ stop(): Promise<void>; output(): string; label: string }> = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await Promise.all(stoppables.map((process) => process.stop()));
    if (!options.keepWorkDir) await rm(workDir, { recursive: true, force: true });
  };
  const subdir = async (name: string): Promise<string> => {
    const dir = join(workDir, name);
    await mkdir(dir, { recursive: true });
    return dir;
  };

  try {
    const phone = await SipPhone.start({
      baresipProgram: programs.baresip,
      workDir: await subdir('phone'),
      toneHz: options.phoneToneHz ?? 1000,
      toneDurationS,
      rtpPorts: options.phoneRtpPorts ?? { min: 30000, max: 30999 },
      readyTimeoutMs,
    });
    stoppables.push({ label: 'phone', stop: () => phone.stop(), output: () => phone.output() });

    const credentials = {
      username: options.username ?? 'trunkuser',
      password: options.password ?? randomBytes(8).toString('hex'),
      realm: options.realm ?? 'sip-lab',
      challenge: options.challenge ?? 'proxy',
      challengeBye: options.challengeBye ?? false,
    };
    const trunk = await KamailioTrunk.start({
      ...credentials,
      program: programs.kamailio,
      workDir: await subdir('trunk'),
      readyTimeoutMs,
      numbers: options.numbers ?? defaultNumberBehaviours,
      phone: { sipPort: phone.sipPort, answerUser: phoneUsers.answer, ringUser: phoneUsers.ring },
    });
    stoppables.push({ label: 'trunk', stop: () => trunk.stop(), output: () => trunk.output() });

    let callers = 0;
    return {
      trunk: { ...credentials, host: trunk.host, port: trunk.sipPort, uri: `sip:${trunk.host}`, invites: () => trunk.invites(), byes: () => trunk.byes() },
      phone,
      numbers: labNumbers,
      workDir,
      async startCaller(callerOptions) {
        callers += 1;
        const caller = await SipCaller.start({
          baresipProgram: programs.baresip,
          workDir: await subdir(`caller-${callers}`),
          trunkHost: trunk.host,
          profiles: callerOptions.profiles,
          toneHz: callerOptions.toneHz ?? 440,
          toneDurationS,
          rtpPorts: callerOptions.rtpPorts ?? { min: 31000 + (callers - 1) * 1000, max: 31999 + (callers - 1) * 1000 },
          readyTimeoutMs,
        });
        stoppables.push({ label: `caller ${callers}`, stop: () => caller.stop(), output: () => caller.output() });
        return caller;
      },
      diagnostics: () => stoppables.map((process) => `--- ${process.label} ---\n${process.output()}`).join('\n'),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
