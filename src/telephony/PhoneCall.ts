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
import type { LiveFeed } from '../media/ParticipantMedia.js';
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

interface PhoneCallEvents {
  state: [state: CallState, reason: string | undefined];
  /** The phone is in the VideoRoom as a feed: browsers can subscribe. */
  feedLive: [feed: LiveFeed];
  feedGone: [feed: LiveFeed];
}

export class PhoneCall extends EventEmitter<PhoneCallEvents> {
  readonly id = randomBytes(9).toString('base64url');
  private current: CallState = 'dialling';
  private reason: string | undefined;
  private bridge: PhoneBridge | undefined;
  private sip: OutboundCall | undefined;
  private feed: LiveFeed | undefined;
  private readonly logger: Logger;

  constructor(
    readonly number: string,
    private readonly displayName: string,
    private readonly line: PhoneLine,
    logger: Logger,
  ) {
    super();
    this.logger = logger.child({ callId: this.id });
  }

  get state(): CallState {
    return this.current;
  }

  info(): PhoneCallInfo {
    return { callId: this.id, state: this.current, ...(this.reason ? { reason: this.reason } : {}) };
  }

  get isOver(): boolean {
    return this.current === 'ended' || this.current === 'failed';
  }

  /** The phone's feed in the VideoRoom, once answered. */
  get liveFeed(): LiveFeed | undefined {
    return this.feed;
  }

  /** Bridges the call on the node and VideoRoom the room placed it in, then dials. */
  async start(placement: Promise<{ node: JanusNode; janusRoom: number }>): Promise<void> {
    try {
      const { node, janusRoom } = await placement;
      this.bridge = await PhoneBridge.create(node, janusRoom, this.displayName, this.line.codec, this.logger);
    } catch (error) {
      this.logger.error({ err: (error as Error).message }, 'cannot set up the phone bridge on Janus');
      this.finish('failed', 'media server unavailable');
      return;
    }
    if (this.isOver) {
      await this.bridge.close();
      return;
    }
    const { ip, port } = this.bridge.phoneRtp;
    const offer = buildOffer(this.line.mediaAddress || ip, port, this.line.codec, Date.now());
    const sip = new OutboundCall(this.line.endpoint, this.line.account, this.number, this.line.ringTimeoutMs);
    this.sip = sip;
    sip.on('ringing', () => this.setState('ringing'));
    sip.on('answered', (sdp) => void this.answer(sdp));
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
      const feed = await bridge.publishToRoom();
      if (this.isOver) return { ok: true };
      this.feed = feed;
      this.emit('feedLive', feed);
      this.logger.info({ feedId: feed.feedId, codec: this.line.codec }, 'phone answered and bridged');
      return { ok: true };
    } catch (error) {
      this.logger.error({ err: (error as Error).message }, 'cannot bridge the answered phone');
      this.hangUp();
      return { ok: false, problem: 'the media server could not bridge the call' };
    }
  }

  /** Lets the phone hear one more feed of the room. */
  async addSource(feedId: number, audioMid: string): Promise<void> {
    if (this.current === 'answered') await this.bridge?.addSource(feedId, audioMid);
  }

  async removeSource(feedId: number): Promise<void> {
    await this.bridge?.removeSource(feedId);
  }

  hangUp(): void {
    if (this.isOver) return;
    this.sip?.hangUp();
    this.finish('ended', 'hung up');
  }

  private finish(state: 'ended' | 'failed', reason: string): void {
    if (this.isOver) return;
    if (this.feed) this.emit('feedGone', this.feed);
    this.feed = undefined;
    this.setState(state, reason);
    void this.bridge?.close().catch((error: Error) => this.logger.warn({ err: error.message }, 'could not release the phone bridge'));
  }

  private setState(state: CallState, reason?: string): void {
    if (this.current === state) return;
    this.current = state;
    this.reason = reason;
    this.emit('state', state, reason);
  }
}
