/**
 * One phone in a room, from dialling to hang-up: the SIP leg through the
 * trunk and the media bridge on Janus, and the call state the room shows.
 * `answer` is the seed's answer callback: the SIP stack calls it with the
 * 200 OK's SDP, and so can an external call-control system over HTTP.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { CallState, PhoneCallInfo } from '../protocol/messages.js';
import type { JanusNode } from '../media/JanusNode.js';
import { PhoneBridge } from '../media/PhoneBridge.js';
import type { MediaSession } from '../media/MediaSession.js';
import type { FailureLog } from '../support/failures.js';
import type { CallFailure } from './callOutcome.js';
import { buildOffer, readAnswer, type G711Codec } from './phoneSdp.js';
import { OutboundCall, type TrunkAccount } from './sip/OutboundCall.js';
import type { SipEndpoint } from './sip/SipEndpoint.js';

export interface PhoneLine {
  endpoint: SipEndpoint;
  account: TrunkAccount;
  codec: G711Codec;
  /** The address announced in SDP for our RTP; empty means the AudioBridge's own. */
  mediaAddress: string;
  ringTimeoutMs: number;
}

/** Whether a call in this state is done with: ended or failed. */
export function isCallOver(state: CallState): boolean {
  return state === 'ended' || state === 'failed';
}

interface PhoneCallEvents {
  state: [state: CallState, reason: string | undefined];
}

export class PhoneCall extends EventEmitter<PhoneCallEvents> {
  readonly id = randomBytes(9).toString('base64url');
  private current: CallState = 'dialling';
  private reason: string | undefined;
  private bridge: PhoneBridge | undefined;
  private sip: OutboundCall | undefined;
  protected readonly failures: FailureLog;
  protected readonly logger: Logger;

  constructor(
    readonly number: string,
    private readonly displayName: string,
    protected readonly line: PhoneLine,
    failures: FailureLog,
  ) {
    super();
    this.failures = failures.child({ callId: this.id });
    this.logger = this.failures.logger;
  }

  get state(): CallState {
    return this.current;
  }

  info(): PhoneCallInfo {
    return { callId: this.id, state: this.current, ...(this.reason ? { reason: this.reason } : {}) };
  }

  get isOver(): boolean {
    return isCallOver(this.current);
  }

  /**
   * Bridges the call on the node and VideoRoom the room placed it in, then
   * dials. The bridge is the phone's media session: the room offers it the
   * room's feeds, and hears from it when the phone's own feed is live.
   */
  async open(node: JanusNode, janusRoom: number): Promise<MediaSession> {
    let bridge: PhoneBridge;
    try {
      bridge = await PhoneBridge.create(node, janusRoom, this.displayName, this.line.codec, this.failures);
    } catch (error) {
      this.failures.report('cannot set up the phone bridge on Janus', error);
      this.finish('failed', 'media server unavailable');
      throw error;
    }
    this.bridge = bridge;
    // Without its bridge the call has no sound either way (the phone's RTP goes to that node): hang up rather than leave a silent line up.
    // The state comes first, so the hang-up's own `ended` does not hide why.
    bridge.once('lost', () => {
      this.finish('failed', 'media server lost');
      this.sip?.hangUp();
    });
    if (!this.isOver) this.connect(bridge);
    return bridge;
  }

  /** Connects the phone to its bridge: this call dials it; a call that came in connects the line it has (see DialInCall). */
  protected connect(bridge: PhoneBridge): void {
    this.dial(bridge);
  }

  private dial(bridge: PhoneBridge): void {
    const { ip, port } = bridge.phoneRtp;
    const offer = buildOffer(this.line.mediaAddress || ip, port, this.line.codec, Date.now());
    const sip = new OutboundCall(this.line.endpoint, this.line.account, this.number, this.line.ringTimeoutMs);
    this.sip = sip;
    sip.on('ringing', () => this.setState('ringing'));
    sip.on('answered', (sdp) => this.failures.watch('cannot take the phone\'s answer', this.answer(sdp)));
    sip.on('failed', (failure: CallFailure, detail) => {
      this.logger.info({ failure, detail }, 'phone call failed');
      this.finish('failed', failure);
    });
    sip.on('ended', (byPhone) => this.finish('ended', byPhone ? 'the phone hung up' : 'hung up'));
    this.logger.info({ number: this.number }, 'dialling');
    sip.dial(offer);
  }

  /** Connects the answered phone's media; a bad answer ends the call. */
  async answer(answerSdp: string): Promise<{ ok: true } | { ok: false; problem: string }> {
    if (this.current !== 'dialling' && this.current !== 'ringing') return { ok: false, problem: `the call is ${this.current}` };
    const bridge = this.bridge;
    if (!bridge) return { ok: false, problem: 'the call has no media yet' };
    const read = readAnswer(answerSdp, this.line.codec);
    if (!read.ok) {
      this.logger.warn({ problem: read.problem }, 'unusable answer from the phone');
      this.sip?.hangUp();
      this.finish('failed', 'rejected');
      return read;
    }
    this.setState('answered');
    try {
      await bridge.connectPhone(read.media, this.line.codec);
      await bridge.publish();
      this.logger.info({ codec: this.line.codec }, 'phone answered and bridged');
      return { ok: true };
    } catch (error) {
      if (this.isOver) return { ok: true };
      this.failures.report('cannot bridge the answered phone', error);
      this.hangUp();
      return { ok: false, problem: 'the media server could not bridge the call' };
    }
  }

  /** Gives up on the call before it could start (its media could not be set up). */
  fail(reason: string): void {
    this.sip?.hangUp();
    this.finish('failed', reason);
  }

  hangUp(): void {
    if (this.isOver) return;
    this.sip?.hangUp();
    this.finish('ended', 'hung up');
  }

  protected finish(state: 'ended' | 'failed', reason: string): void {
    if (this.isOver) return;
    this.setState(state, reason);
    if (this.bridge) this.failures.watch('could not release the phone bridge', this.bridge.close());
  }

  protected setState(state: CallState, reason?: string): void {
    if (this.current === state) return;
    this.current = state;
    this.reason = reason;
    this.emit('state', state, reason);
  }
}
