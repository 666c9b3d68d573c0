/**
 * The lab's far-end phone: a baresip that the trunk forwards calls to. It
 * has two accounts, one that answers at once and one that only rings, so
 * the trunk picks the behaviour by which user it addresses. Its microphone
 * plays a steady tone and each call's received audio is kept as a WAV.
 */
import { join } from 'node:path';
import { BaresipAgent, type AgentCall } from './baresipAgent.js';
import { writeToneWav } from './toneWav.js';

export interface SipPhoneOptions {
  readonly baresipProgram: string;
  readonly workDir: string;
  readonly toneHz: number;
  readonly toneDurationS: number;
  readonly rtpPorts: { readonly min: number; readonly max: number };
  readonly readyTimeoutMs: number;
}

/** Request-URI users the trunk sends calls to. */
export const phoneUsers = { answer: 'answer', ring: 'ring' } as const;

const defaultWaitMs = 10_000;

export class SipPhone {
  private constructor(
    private readonly agent: BaresipAgent,
    /** The WAV the phone plays into every call. */
    readonly microphoneWav: string,
    readonly toneHz: number,
  ) {}

  static async start(options: SipPhoneOptions): Promise<SipPhone> {
    const microphoneWav = await writeToneWav(join(options.workDir, `tone-${options.toneHz}hz.wav`), {
      frequencyHz: options.toneHz,
      durationS: options.toneDurationS,
    });
    const agent = await BaresipAgent.start({
      name: 'baresip phone',
      program: options.baresipProgram,
      workDir: options.workDir,
      microphoneWav,
      rtpPorts: options.rtpPorts,
      readyTimeoutMs: options.readyTimeoutMs,
      accounts: [
        { aor: `sip:${phoneUsers.answer}@127.0.0.1`, answerMode: 'auto' },
        { aor: `sip:${phoneUsers.ring}@127.0.0.1`, answerMode: 'manual' },
      ],
    });
    return new SipPhone(agent, microphoneWav, options.toneHz);
  }

  get sipPort(): number {
    return this.agent.sipPort;
  }

  /** Every call the phone has seen, oldest first. */
  calls(): readonly AgentCall[] {
    return this.agent.calls();
  }

  /** Push-style alternative to the waits below; returns an unsubscribe function. */
  onCallChange(listener: (call: AgentCall) => void): () => void {
    return this.agent.onCallChange(listener);
  }

  /** A call that has reached the phone (ringing or further). */
  waitForIncoming(callId?: string, timeoutMs = defaultWaitMs): Promise<AgentCall> {
    return this.agent.waitForCall((call) => callId === undefined || call.callId === callId, timeoutMs, 'incoming');
  }

  /** A call the phone answered; it may have closed since. */
  waitForEstablished(callId?: string, timeoutMs = defaultWaitMs): Promise<AgentCall> {
    return this.agent.waitForCall(
      (call) => call.answered && (callId === undefined || call.callId === callId),
      timeoutMs,
      'established',
    );
  }

  /** A call that has ended, whoever ended it; `closeReason` says how. */
  waitForClosed(callId?: string, timeoutMs = defaultWaitMs): Promise<AgentCall> {
    return this.agent.waitForCall(
      (call) => call.state === 'closed' && (callId === undefined || call.callId === callId),
      timeoutMs,
      'closed',
    );
  }

  /** The WAV of what the phone heard on its latest answered call. */
  latestRecordingPath(): string | undefined {
    return this.calls()
      .map((call) => call.recording?.heardWav)
      .filter((path): path is string => path !== undefined)
      .at(-1);
  }

  /** Hangs up the phone's current call (sends BYE, or rejects if ringing). */
  async hangup(): Promise<void> {
    await this.agent.command('hangup');
  }

  /** Answers the call that is ringing on the ring-only account. */
  async answer(): Promise<void> {
    await this.agent.command('accept');
  }

  output(): string {
    return this.agent.output();
  }

  stop(): Promise<void> {
    return this.agent.stop();
  }
}
