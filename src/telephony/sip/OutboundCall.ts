/**
 * One outgoing SIP call through the trunk (the UAC side of an INVITE
 * dialog): digest authentication on 401 or 407 (to the INVITE and to our
 * BYE), progress, the answer's SDP, CANCEL while it rings, BYE once
 * answered, and the far end's BYE.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import sip, { type NameAddr, type SipRequest, type SipResponse } from 'sip';
import { answerToChallenge, carriesCredentials } from './digestChallenge.js';
import { failureOf, type CallFailure } from '../callOutcome.js';
import { ALLOWED_METHODS, dialogIdOf, type SipEndpoint, type SipTarget } from './SipEndpoint.js';

export interface TrunkAccount {
  /** Where requests go: the trunk's address (our outbound proxy). */
  target: SipTarget;
  /** The trunk's domain, used in request URIs. */
  domain: string;
  username: string;
  password: string;
  /** Our caller id: the seed's `from_number`. */
  fromNumber: string;
}

export interface OutboundCallEvents {
  ringing: [];
  answered: [answerSdp: string];
  failed: [failure: CallFailure, detail: string];
  /** The answered call ended; `byPhone` tells who hung up. */
  ended: [byPhone: boolean];
}

type Phase = 'new' | 'calling' | 'early' | 'answered' | 'terminated';

/** Without any reply from the trunk for this long, it counts as unreachable. */
const NO_REPLY_TIMEOUT_MS = 5_000;

/** The answer to a BYE that crossed the phone's own: the dialog is gone already, which is what we wanted. */
const CALL_DOES_NOT_EXIST = 481;

export class OutboundCall extends EventEmitter<OutboundCallEvents> {
  private phase: Phase = 'new';
  /** Whether `failed` or `ended` went out: the call is over for the room, even if SIP still winds down. */
  private reported = false;
  private readonly callId = randomBytes(12).toString('hex');
  private readonly localTag = randomBytes(6).toString('hex');
  private cseq = 1;
  private invite: SipRequest | undefined;
  private gotReply = false;
  private cancelPending = false;
  private dialog: { remoteTag: string; remoteTarget: string; routes: NameAddr[] } | undefined;
  private timers: NodeJS.Timeout[] = [];
  private readonly logger: Logger;

  constructor(
    private readonly endpoint: SipEndpoint,
    private readonly account: TrunkAccount,
    private readonly number: string,
    private readonly ringTimeoutMs: number,
  ) {
    super();
    this.logger = endpoint.callLogger(this.callId);
  }

  dial(offerSdp: string): void {
    if (this.phase !== 'new') return;
    this.phase = 'calling';
    this.sendInvite(this.inviteRequest(offerSdp));
    this.timers.push(
      setTimeout(() => {
        if (!this.gotReply) this.abandon('unreachable', 'the SIP trunk does not answer');
      }, NO_REPLY_TIMEOUT_MS),
      setTimeout(() => {
        if (this.phase === 'calling' || this.phase === 'early') this.abandon('no answer', 'nobody picked up');
      }, this.ringTimeoutMs),
    );
  }

  /** Ends the call from our side, whatever its phase. */
  hangUp(): void {
    if (this.phase === 'answered') {
      this.sendBye(this.inDialogRequest('BYE', this.cseq++));
      this.terminate();
      this.report(() => this.emit('ended', false));
    } else if (this.phase === 'calling' || this.phase === 'early') {
      this.abandon('rejected', 'hung up before answer');
    }
  }

  private get remoteUri(): string {
    return `sip:${this.number}@${this.account.domain}`;
  }

  /** The From header of every request we send in this dialog. */
  private get localParty(): NameAddr {
    return { uri: `sip:${this.account.fromNumber}@${this.account.domain}`, params: { tag: this.localTag } };
  }

  private inviteRequest(offerSdp: string): SipRequest {
    return {
      method: 'INVITE',
      uri: this.remoteUri,
      headers: {
        to: { uri: this.remoteUri, params: {} },
        from: this.localParty,
        'call-id': this.callId,
        cseq: { seq: this.cseq++, method: 'INVITE' },
        contact: [{ uri: this.endpoint.contactUri('convene'), params: {} }],
        'max-forwards': 70,
        allow: ALLOWED_METHODS,
        'content-type': 'application/sdp',
      },
      content: offerSdp,
    };
  }

  private sendInvite(request: SipRequest): void {
    this.invite = request;
    this.endpoint.request(request, this.account.target, (response) => this.onInviteResponse(request, response));
  }

  private onInviteResponse(request: SipRequest, response: SipResponse): void {
    if (request !== this.invite || this.phase === 'terminated') {
      // A 2xx retransmission of an answered call: our ACK got lost.
      if (response.status >= 200 && response.status < 300 && this.dialog) this.sendAck(response);
      return;
    }
    this.gotReply = true;
    if (response.status < 200) {
      if (response.status > 100) {
        this.phase = 'early';
        if (response.status === 180 || response.status === 183) this.emit('ringing');
      }
      if (this.cancelPending) this.sendCancel();
      return;
    }
    if (response.status < 300) {
      this.onAnswered(response);
      return;
    }
    // A call we already gave up on is not dialled again with credentials.
    const signed = this.reported ? undefined : this.answerToChallenge(request, response);
    if (signed) {
      this.sendInvite(signed);
      return;
    }
    this.terminate();
    this.fail(failureOf(response.status, carriesCredentials(request)), `${response.status} ${response.reason}`);
  }

  private onAnswered(response: SipResponse): void {
    const contact = response.headers.contact?.[0]?.uri;
    const remoteTag = response.headers.to.params['tag'];
    this.dialog = {
      remoteTag: typeof remoteTag === 'string' ? remoteTag : '',
      remoteTarget: contact === undefined ? this.remoteUri : typeof contact === 'string' ? contact : sip.stringifyUri(contact),
      // The route set is the Record-Route of the 2xx, reversed (RFC 3261 §12.1.2).
      routes: [...(response.headers['record-route'] ?? [])].reverse(),
    };
    this.sendAck(response);
    this.phase = 'answered';
    if (this.reported) {
      // Answered after we gave up on it (CANCEL and 200 OK crossed): end it at once.
      this.sendBye(this.inDialogRequest('BYE', this.cseq++));
      this.terminate();
      return;
    }
    this.clearTimers();
    this.endpoint.onDialogRequest(dialogIdOf(this.callId, this.localTag, this.dialog.remoteTag), (request) => this.onDialogRequest(request));
    this.emit('answered', response.content ?? '');
  }

  private onDialogRequest(request: SipRequest): void {
    if (request.method === 'BYE') {
      this.endpoint.respond(request, 200, 'OK');
      if (this.phase !== 'answered') return;
      this.terminate();
      this.report(() => this.emit('ended', true));
    } else if (request.method === 'INVITE' || request.method === 'UPDATE') {
      // Session refreshes keep the media as it is: answer with our offer unchanged.
      this.endpoint.respond(request, 200, 'OK', {
        headers: { contact: [{ uri: this.endpoint.contactUri('convene'), params: {} }], 'content-type': 'application/sdp' },
        content: this.invite?.content ?? '',
      });
    } else if (request.method !== 'ACK') {
      this.endpoint.respond(request, request.method === 'OPTIONS' ? 200 : 405, request.method === 'OPTIONS' ? 'OK' : 'Method Not Allowed', {
        headers: { allow: ALLOWED_METHODS },
      });
    }
  }

  private sendAck(response: SipResponse): void {
    if (!this.dialog) return;
    this.endpoint.ack(this.inDialogRequest('ACK', response.headers.cseq.seq), this.account.target);
  }

  /**
   * BYE is the only request we send inside the dialog that a trunk may
   * challenge (ACK and CANCEL never are, RFC 3261 §22.1). Its transactions,
   * retransmissions and timers belong to the endpoint, which ends them on a
   * final response, on timeout (32 s) or when it closes.
   */
  private sendBye(request: SipRequest): void {
    this.endpoint.request(request, this.account.target, (response) => this.onByeResponse(request, response));
  }

  /** The call is already over for the room; a BYE the trunk refuses may leave the phone leg up, so it is logged. */
  private onByeResponse(request: SipRequest, response: SipResponse): void {
    if (response.status < 200) return;
    const signed = this.answerToChallenge(request, response);
    if (signed) {
      this.logger.debug({ status: response.status }, 'the trunk challenged our BYE: sending it again with credentials');
      this.sendBye(signed);
    } else if (response.status >= 300 && response.status !== CALL_DOES_NOT_EXIST) {
      this.logger.warn(
        { status: response.status, reason: response.reason, withCredentials: carriesCredentials(request) },
        'the trunk refused our BYE: the phone may still be connected',
      );
    }
  }

  /** See digestChallenge.ts. */
  private answerToChallenge(request: SipRequest, response: SipResponse): SipRequest | undefined {
    return answerToChallenge(request, response, this.account, () => this.cseq++);
  }

  private inDialogRequest(method: string, seq: number): SipRequest {
    const dialog = this.dialog!;
    return {
      method,
      uri: dialog.remoteTarget,
      headers: {
        to: { uri: this.remoteUri, params: { tag: dialog.remoteTag } },
        from: this.localParty,
        'call-id': this.callId,
        cseq: { seq, method },
        route: dialog.routes,
        'max-forwards': 70,
      },
    };
  }

  /** Gives up on a call that has not been answered: CANCEL it, once the trunk has sent a provisional reply. */
  private abandon(failure: CallFailure, detail: string): void {
    if (this.phase === 'early') this.sendCancel();
    else this.cancelPending = true;
    this.fail(failure, detail);
  }

  private sendCancel(): void {
    const invite = this.invite;
    const via = invite?.headers.via?.[0];
    if (!invite || !via) return;
    this.cancelPending = false;
    const cancel: SipRequest = {
      method: 'CANCEL',
      uri: invite.uri,
      headers: {
        via: [via],
        to: invite.headers.to,
        from: invite.headers.from,
        'call-id': invite.headers['call-id'],
        cseq: { seq: invite.headers.cseq.seq, method: 'CANCEL' },
        'max-forwards': 70,
      },
    };
    this.endpoint.request(cancel, this.account.target, () => undefined);
  }

  private fail(failure: CallFailure, detail: string): void {
    this.clearTimers();
    this.report(() => this.emit('failed', failure, detail));
  }

  private report(emit: () => void): void {
    if (this.reported) return;
    this.reported = true;
    emit();
  }

  private terminate(): void {
    this.phase = 'terminated';
    this.clearTimers();
    if (this.dialog) this.endpoint.forgetDialog(dialogIdOf(this.callId, this.localTag, this.dialog.remoteTag));
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }
}
