/**
 * One incoming SIP call from the trunk (the UAS side of an INVITE dialog):
 * 100 Trying, our 200 OK (sent again until the ACK comes), the caller's
 * BYE, CANCEL before we answer, keypad digits as SIP INFO, refusal of
 * re-INVITEs (the media stays as answered), and our own BYE.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import sip, { type NameAddr, type SipRequest, type SipUri } from 'sip';
import { ALLOWED_METHODS, dialogIdOf, type SipEndpoint, type SipTarget } from '../sip/SipEndpoint.js';
import { readInfoDigit } from './sipInfoDigits.js';
import { answerToChallenge, type DigestCredentials } from '../sip/digestChallenge.js';
import type { KeypadDigit } from './telephoneEvents.js';

export interface InboundCallEvents {
  /** The ACK of our 200 OK came: media may flow. */
  confirmed: [];
  digit: [digit: KeypadDigit];
  /** The dialog is over; `byCaller` when the caller hung up (BYE or CANCEL). */
  ended: [byCaller: boolean];
}

type Phase = 'offered' | 'answered' | 'confirmed' | 'ended';

const FIRST_RETRANSMIT_MS = 500;
const MAX_RETRANSMIT_MS = 4_000;
/** Without an ACK by then the caller is gone (RFC 3261 §13.3.1.4: 64 × T1). */
const ACK_TIMEOUT_MS = 32_000;

export class InboundCall extends EventEmitter<InboundCallEvents> {
  readonly callId: string;
  private readonly localTag = randomBytes(6).toString('hex');
  private phase: Phase = 'offered';
  private cseq = 1;
  private retransmit: NodeJS.Timeout | undefined;
  private ackTimeout: NodeJS.Timeout | undefined;
  readonly logger: Logger;

  constructor(
    private readonly endpoint: SipEndpoint,
    private readonly invite: SipRequest,
    /** Where the INVITE came from (the trunk): our in-dialog requests go back there. */
    private readonly peer: SipTarget,
    /** Our trunk account, for a trunk that challenges our BYE. */
    private readonly credentials: DigestCredentials,
  ) {
    super();
    this.callId = invite.headers['call-id'];
    this.logger = endpoint.callLogger(this.callId);
  }

  /** The caller's number (the From user), or '' when it gives none. */
  get callerNumber(): string {
    return userOf(this.invite.headers.from.uri);
  }

  /** The number the caller dialled: the Request-URI's user, else the To user. */
  get dialledNumber(): string {
    return userOf(this.invite.uri) || userOf(this.invite.headers.to.uri);
  }

  get offerSdp(): string | undefined {
    return this.invite.content;
  }

  get isOver(): boolean {
    return this.phase === 'ended';
  }

  trying(): void {
    if (this.phase === 'offered') this.endpoint.respond(this.invite, 100, 'Trying');
  }

  /** Answers with our SDP; the 200 OK goes out again, less and less often, until the ACK. */
  accept(answerSdp: string): void {
    if (this.phase !== 'offered') return;
    this.phase = 'answered';
    this.endpoint.onDialogRequest(this.dialogId, (request) => this.onDialogRequest(request));
    const send = (delayMs: number): void => {
      this.endpoint.respond(this.invite, 200, 'OK', {
        headers: {
          to: this.localParty,
          contact: [{ uri: this.endpoint.contactUri('convene'), params: {} }],
          allow: ALLOWED_METHODS,
          'content-type': 'application/sdp',
          ...(this.invite.headers['record-route'] ? { 'record-route': this.invite.headers['record-route'] } : {}),
        },
        content: answerSdp,
      });
      this.retransmit = setTimeout(() => send(Math.min(delayMs * 2, MAX_RETRANSMIT_MS)), delayMs);
    };
    send(FIRST_RETRANSMIT_MS);
    this.ackTimeout = setTimeout(() => {
      this.logger.info('no ACK for our answer: ending the call');
      this.hangUp();
    }, ACK_TIMEOUT_MS);
  }

  /** Refuses the call before it is answered. */
  reject(status: number, reason: string): void {
    if (this.phase !== 'offered') return;
    this.endpoint.respond(this.invite, status, reason);
    this.end(false);
  }

  /** A CANCEL for this call: before our answer it ends the call; after, it changes nothing (RFC 3261 §9.2). */
  cancel(request: SipRequest): void {
    this.endpoint.respond(request, 200, 'OK');
    if (this.phase !== 'offered') return;
    this.endpoint.respond(this.invite, 487, 'Request Terminated');
    this.end(true);
  }

  /** Ends the call from our side: BYE once answered, a refusal before. */
  hangUp(): void {
    if (this.phase === 'offered') {
      this.reject(480, 'Temporarily Unavailable');
      return;
    }
    if (this.phase === 'ended') return;
    this.sendBye();
    this.end(false);
  }

  private get dialogId(): string {
    return dialogIdOf(this.callId, this.localTag, this.invite.headers.from.params['tag']);
  }

  /** Our side of the dialog: the INVITE's To, with our tag. */
  private get localParty(): NameAddr {
    const to = this.invite.headers.to;
    return { ...to, params: { ...to.params, tag: this.localTag } };
  }

  private onDialogRequest(request: SipRequest): void {
    switch (request.method) {
      case 'ACK':
        if (this.phase !== 'answered') return;
        this.phase = 'confirmed';
        this.stopTimers();
        this.emit('confirmed');
        return;
      case 'BYE':
        this.endpoint.respond(request, 200, 'OK');
        this.end(true);
        return;
      case 'INFO': {
        const read = readInfoDigit(request.headers['content-type'], request.content);
        if (!read.ok) {
          this.endpoint.respond(request, 415, 'Unsupported Media Type', { headers: { accept: 'application/dtmf-relay, application/dtmf' } });
          return;
        }
        this.endpoint.respond(request, 200, 'OK');
        this.emit('digit', read.digit);
        return;
      }
      case 'INVITE':
      case 'UPDATE':
        // The call keeps the media it was answered with.
        this.endpoint.respond(request, 488, 'Not Acceptable Here');
        return;
      case 'OPTIONS':
        this.endpoint.respond(request, 200, 'OK', { headers: { allow: ALLOWED_METHODS } });
        return;
      default:
        this.endpoint.respond(request, 405, 'Method Not Allowed', { headers: { allow: ALLOWED_METHODS } });
    }
  }

  /** A strict trunk challenges our BYE: it goes again with credentials; a refusal is only logged, as the caller may still be connected. */
  private sendBye(): void {
    const contact = this.invite.headers.contact?.[0]?.uri;
    const bye: SipRequest = {
      method: 'BYE',
      uri: uriText(contact ?? this.invite.headers.from.uri),
      headers: {
        to: this.invite.headers.from,
        from: this.localParty,
        'call-id': this.callId,
        cseq: { seq: this.cseq++, method: 'BYE' },
        // A UAS keeps the Record-Route of the INVITE in its order (RFC 3261 §12.1.1).
        route: this.invite.headers['record-route'] ?? [],
        'max-forwards': 70,
      },
    };
    this.sendRequest(bye);
  }

  private sendRequest(request: SipRequest): void {
    this.endpoint.request(request, this.peer, (response) => {
      if (response.status < 200) return;
      const signed = answerToChallenge(request, response, this.credentials, () => this.cseq++);
      if (signed) this.sendRequest(signed);
      else if (response.status >= 300 && response.status !== 481) this.logger.warn({ status: response.status, reason: response.reason }, 'the trunk refused our BYE');
    });
  }

  private end(byCaller: boolean): void {
    if (this.phase === 'ended') return;
    this.phase = 'ended';
    this.stopTimers();
    this.endpoint.forgetDialog(this.dialogId);
    this.emit('ended', byCaller);
  }

  private stopTimers(): void {
    clearTimeout(this.retransmit);
    clearTimeout(this.ackTimeout);
  }
}

function uriText(uri: string | SipUri): string {
  return typeof uri === 'string' ? uri : sip.stringifyUri(uri);
}

/** The user part of a SIP URI (a phone number, usually), or ''. */
function userOf(uri: string | SipUri): string {
  let user = '';
  try {
    user = (typeof uri === 'string' ? sip.parseUri(uri) : uri)?.user ?? '';
  } catch {
    return '';
  }
  return /^[+0-9A-Za-z._*#-]{1,64}$/.test(user) ? user : '';
}
