/**
 * A baresip that calls numbers through the lab trunk with digest
 * credentials, playing its own tone. It stands in for our server where a
 * test needs a known-good SIP caller (the lab's self-test, or comparing our
 * server's behaviour with a reference UA).
 */
import { join } from 'node:path';
import { BaresipAgent, type AgentCall } from './baresipAgent.js';
import type { AudioCodec } from './baresipConfig.js';
import { writeToneWav } from './toneWav.js';

export interface CallerProfile {
  readonly username: string;
  readonly password: string;
  /** Codecs to offer, in preference order; default PCMU then PCMA. */
  readonly codecs?: readonly AudioCodec[];
}

export interface SipCallerOptions {
  readonly baresipProgram: string;
  readonly workDir: string;
  /** `127.0.0.1:PORT` of the trunk. */
  readonly trunkHost: string;
  /** Named credential sets; dial() picks one by name. */
  readonly profiles: Readonly<Record<string, CallerProfile>>;
  readonly toneHz: number;
  readonly toneDurationS: number;
  readonly rtpPorts: { readonly min: number; readonly max: number };
  readonly readyTimeoutMs: number;
}

const defaultWaitMs = 10_000;
const profileName = /^[a-z0-9]+$/;

export class SipCaller {
  private constructor(
    private readonly agent: BaresipAgent,
    private readonly trunkHost: string,
  ) {}

  static async start(options: SipCallerOptions): Promise<SipCaller> {
    const microphoneWav = await writeToneWav(join(options.workDir, `tone-${options.toneHz}hz.wav`), {
      frequencyHz: options.toneHz,
      durationS: options.toneDurationS,
    });
    // The profile name is the account's user part, which is how dial()
    // selects it; the trunk only sees auth_user, the real username.
    const accounts = Object.entries(options.profiles).map(([name, profile]) => {
      if (!profileName.test(name)) throw new Error(`caller profile name ${JSON.stringify(name)} must match ${profileName}`);
      return {
        aor: `sip:${name}@127.0.0.1`,
        answerMode: 'manual' as const,
        authUser: profile.username,
        authPassword: profile.password,
        ...(profile.codecs ? { codecs: profile.codecs } : {}),
      };
    });
    const agent = await BaresipAgent.start({
      name: 'baresip caller',
      program: options.baresipProgram,
      workDir: options.workDir,
      microphoneWav,
      rtpPorts: options.rtpPorts,
      readyTimeoutMs: options.readyTimeoutMs,
      accounts,
    });
    return new SipCaller(agent, options.trunkHost);
  }

  /** Calls `number` through the trunk as `profile`; resolves with the call once it has a Call-ID. */
  async dial(profile: string, number: string, timeoutMs = defaultWaitMs): Promise<AgentCall> {
    const target = `sip:${number}@${this.trunkHost}`;
    const before = new Set(this.agent.calls().map((call) => call.callId));
    await this.agent.command('uafind', `sip:${profile}@127.0.0.1`);
    await this.agent.command('dial', target);
    return this.agent.waitForCall(
      (call) => !before.has(call.callId) && call.direction === 'outgoing' && call.peerUri === target,
      timeoutMs,
      `dialled to ${target}`,
    );
  }

  waitForEstablished(callId: string, timeoutMs = defaultWaitMs): Promise<AgentCall> {
    return this.agent.waitForCall((call) => call.callId === callId && call.answered, timeoutMs, `${callId} established`);
  }

  waitForClosed(callId: string, timeoutMs = defaultWaitMs): Promise<AgentCall> {
    return this.agent.waitForCall((call) => call.callId === callId && call.state === 'closed', timeoutMs, `${callId} closed`);
  }

  /** Presses keys in the current call: baresip sends them as RFC 4733 telephone-events, one after another. */
  async sendDigits(digits: string): Promise<void> {
    await this.agent.command('sndcode', digits);
  }

  /** Hangs up the current call: BYE once answered, CANCEL while ringing. */
  async hangup(): Promise<void> {
    await this.agent.command('hangup');
  }

  output(): string {
    return this.agent.output();
  }

  stop(): Promise<void> {
    return this.agent.stop();
  }
}
