/**
 * Phones calling in: INVITEs from the trunk for one of our dial-in numbers
 * are answered by Convene itself. The caller hears a prompt, types the
 * room's PIN and `#` (RFC 4733 events, or SIP INFO), and joins the room's
 * audio as a phone participant (DialInCall). Three wrong PINs, and the call
 * ends; a number's wrong PINs are budgeted (DialInAttempts), and a number
 * over budget is refused before anything is answered. In the room, `*6`
 * mutes and unmutes the phone and `*1` says how many are in the room.
 *
 * Each incoming call owns its SIP leg (InboundCall) and its media socket
 * (DialInMedia), from the INVITE until the dialog ends, whoever ends it.
 */
import type { SipRequest } from 'sip';
import type { RoomRegistry } from '../../rooms/RoomRegistry.js';
import { LobbyRefusal } from '../../rooms/Lobby.js';
import { HostError } from '../../rooms/hostErrors.js';
import type { RoomAccess } from '../../http/RoomAccess.js';
import type { FailureLog } from '../../support/failures.js';
import { isPin } from '../../cluster/roomPins.js';
import type { PhoneLine } from '../PhoneCall.js';
import type { G711Codec } from '../phoneSdp.js';
import type { SipTarget } from '../sip/SipEndpoint.js';
import { buildAnswer, readOffer, type DialInMediaOffer } from './dialInSdp.js';
import { DialInAttempts } from './DialInAttempts.js';
import { DialInCall } from './DialInCall.js';
import { DialInMedia } from './DialInMedia.js';
import type { PortRange } from './rtpSocket.js';
import { trunkSources, type TrunkSources } from './trunkSources.js';
import { InboundCall } from './InboundCall.js';
import { KeypadEntries } from './KeypadEntries.js';
import type { Prompts, PromptName } from './prompts.js';
import type { KeypadDigit } from './telephoneEvents.js';
import { maskedCaller } from './maskedCaller.js';

/** How a dial-in ended, for the metrics. */
export type DialInOutcome = 'joined' | 'wrong_pin' | 'rate_limited' | 'hung_up' | 'locked' | 'full' | 'denied' | 'refused' | 'failed';

export interface DialInMetrics {
  callEnded(outcome: DialInOutcome): void;
  pinTried(right: boolean): void;
}

export interface DialInSettings {
  /** The numbers we answer; empty: any number the trunk sends us. */
  numbers: string[];
  /** Our RTP sockets' bind address (SIP_BIND_ADDRESS). */
  bindAddress: string;
  /** The ports our phone-facing RTP sockets take (SIP_RTP_PORT_RANGE); unset: any free one. */
  rtpPorts: PortRange | undefined;
  /** Addresses and CIDR ranges the trunk calls from (SIP_TRUNK_SOURCES); empty: the trunk's own address. */
  trunkSources: string[];
  /** The address our SDP answer gives (SIP_MEDIA_ADDRESS); empty: the one our SIP messages give. */
  mediaAddress: string;
  failuresPerHour: number;
}

export interface DialInDeps {
  line: PhoneLine;
  rooms: RoomRegistry;
  access: RoomAccess;
  prompts: Prompts;
  metrics: DialInMetrics;
  failures: FailureLog;
}

const PIN_TRIES = 3;
/** How long a caller has to type a PIN after the prompt. */
const ENTRY_TIMEOUT_MS = 20_000;
/** Calls at the PIN prompt (or waiting in a lobby) at once, beyond which new ones are refused (503): callers that never type cannot pile up. */
const MAX_CALLS_AT_PROMPT = 50;

export class DialIn {
  /** Every call from its INVITE until its dialog ends, by Call-ID. */
  private readonly calls = new Map<string, InboundCall>();
  private readonly attempts: DialInAttempts;
  private atPrompt = 0;
  private readonly acceptedNumbers: Set<string>;
  private readonly fromTrunk: TrunkSources;

  constructor(
    private readonly settings: DialInSettings,
    private readonly deps: DialInDeps,
  ) {
    this.attempts = new DialInAttempts(settings.failuresPerHour);
    this.acceptedNumbers = new Set(settings.numbers.map(withoutPlus));
    this.fromTrunk = trunkSources(settings.trunkSources, deps.line.account.target.address);
    deps.line.endpoint.onIncoming((request, remote) => this.incoming(request, remote));
  }

  /** Ends every call (the server is going down). */
  close(): void {
    for (const call of this.calls.values()) call.hangUp();
  }

  private incoming(request: SipRequest, remote: SipTarget): void {
    const { endpoint, account } = this.deps.line;
    // Only the trunk may call us (or cancel a call): anyone else could ring rooms without the provider knowing.
    if (!this.fromTrunk(remote.address)) {
      endpoint.respond(request, 403, 'Forbidden');
      if (request.method === 'INVITE') this.deps.metrics.callEnded('refused');
      return;
    }
    const existing = this.calls.get(request.headers['call-id']);
    if (request.method === 'CANCEL') {
      if (existing) existing.cancel(request);
      else endpoint.respond(request, 481, 'Call/Transaction Does Not Exist');
      return;
    }
    if (existing) {
      endpoint.respond(request, 482, 'Loop Detected');
      return;
    }
    const leg = new InboundCall(endpoint, request, remote, account);
    const refuse = (status: number, reason: string, outcome: DialInOutcome): void => {
      leg.logger.info({ status, reason }, 'refused an incoming call');
      leg.reject(status, reason);
      this.deps.metrics.callEnded(outcome);
    };
    if (this.acceptedNumbers.size > 0 && !this.acceptedNumbers.has(withoutPlus(leg.dialledNumber))) return refuse(404, 'Not Found', 'refused');
    if (!this.attempts.allows(leg.callerNumber)) return refuse(603, 'Decline', 'rate_limited');
    if (this.atPrompt >= MAX_CALLS_AT_PROMPT) return refuse(503, 'Service Unavailable', 'refused');
    const read = readOffer(leg.offerSdp, this.deps.line.codec);
    if (!read.ok) return refuse(488, 'Not Acceptable Here', 'refused');
    leg.trying();
    this.calls.set(leg.callId, leg);
    leg.once('ended', () => this.calls.delete(leg.callId));
    // Counted from now, not once its socket is open: a burst of INVITEs must not slip past the limit together.
    this.atPrompt += 1;
    this.deps.failures.watch('a dial-in call failed', this.answer(leg, read.offer).finally(() => (this.atPrompt -= 1)));
  }

  private async answer(leg: InboundCall, offer: DialInMediaOffer): Promise<void> {
    let media: DialInMedia;
    try {
      media = await DialInMedia.open(offer, { bindAddress: this.settings.bindAddress, ports: this.settings.rtpPorts, trunkSources: this.fromTrunk });
    } catch (error) {
      leg.reject(503, 'Service Unavailable');
      this.deps.metrics.callEnded('failed');
      throw error;
    }
    leg.once('ended', () => media.close());
    if (leg.isOver) return media.close();
    const address = this.settings.mediaAddress || this.deps.line.endpoint.publicAddress;
    leg.accept(buildAnswer(address, media.localPort, offer, Date.now()));
    let outcome: DialInOutcome;
    try {
      outcome = await this.askForPin(leg, media, offer);
    } catch (error) {
      // A call we cannot go on with (a prompt that cannot be made, the directory unreachable) is not left open.
      leg.hangUp();
      this.deps.metrics.callEnded('failed');
      throw error;
    }
    this.deps.metrics.callEnded(outcome);
    leg.logger.info({ outcome }, 'dial-in call');
  }

  private async say(media: DialInMedia, codec: G711Codec, prompt: PromptName): Promise<void> {
    await media.play(await this.deps.prompts.get(prompt, codec));
  }

  /** The prompt and up to three PINs; the call either joins a room or ends. */
  private async askForPin(leg: InboundCall, media: DialInMedia, offer: DialInMediaOffer): Promise<DialInOutcome> {
    const say = (prompt: PromptName): Promise<void> => this.say(media, offer.codec, prompt);
    const entries = new KeypadEntries();
    const typed = (digit: KeypadDigit): void => {
      // Typing while a prompt plays cuts it short, as callers expect.
      media.stopPrompt();
      entries.push(digit);
    };
    media.on('digit', typed);
    leg.on('digit', typed);
    const stopTyping = (): void => {
      media.off('digit', typed);
      leg.off('digit', typed);
    };
    if (!(await confirmed(leg))) return 'hung_up';
    await say('welcome');
    for (let attempt = 1; attempt <= PIN_TRIES; attempt++) {
      if (leg.isOver) return 'hung_up';
      const waiting = entries.next(ENTRY_TIMEOUT_MS);
      leg.once('ended', waiting.cancel);
      const entry = await waiting.entry;
      leg.off('ended', waiting.cancel);
      if (leg.isOver) return 'hung_up';
      // Silence uses up a try, but only a PIN typed counts against the caller's budget.
      if (entry !== undefined) {
        const room = isPin(entry) ? await this.deps.rooms.roomOfPin(entry) : undefined;
        const members = room === undefined ? 0 : await this.deps.rooms.memberCount(room);
        if (leg.isOver) return 'hung_up';
        this.deps.metrics.pinTried(room !== undefined && members > 0);
        if (room !== undefined && members > 0) {
          stopTyping();
          return this.join(leg, media, offer, room, members);
        }
        if (!this.attempts.recordFailure(leg.callerNumber)) break;
      }
      if (attempt < PIN_TRIES) await say(entry === undefined ? 'welcome' : 'invalid');
    }
    stopTyping();
    await say('goodbye');
    leg.hangUp();
    return 'wrong_pin';
  }

  private async join(leg: InboundCall, media: DialInMedia, offer: DialInMediaOffer, room: string, members: number): Promise<DialInOutcome> {
    const say = (prompt: PromptName): Promise<void> => this.say(media, offer.codec, prompt);
    const refusal = (await this.deps.rooms.rules(room)).locked ? 'locked' : this.deps.access.hasRoomFor(members).ok ? undefined : 'full';
    if (refusal) {
      await say(refusal);
      leg.hangUp();
      return refusal;
    }
    const name = maskedCaller(leg.callerNumber);
    const farewell = (): Promise<void> => say('goodbye').catch(() => undefined);
    const call = new DialInCall(leg.callerNumber, name, { ...this.deps.line, codec: offer.codec }, leg, media, farewell, this.deps.failures.child({ room }));
    // With the lobby on, the caller hears that it waits, again and again, until a host answers.
    const waiting = (): void =>
      this.deps.failures.watch(
        'cannot tell a dial-in caller to wait',
        this.deps.prompts.get('waiting', offer.codec).then((audio) => media.play(audio, { loop: true })),
      );
    try {
      const { participantId } = await this.deps.rooms.use(room, (joined) => joined.phones.dialIn(call, name, waiting));
      this.deps.failures.watch('cannot greet a dial-in caller', say('joined'));
      this.listenToKeypad(leg, media, offer, room, participantId, call);
      return 'joined';
    } catch (error) {
      if (error instanceof LobbyRefusal) return leg.isOver ? 'hung_up' : 'denied';
      call.fail('the call could not join the room');
      this.deps.failures.report('cannot bring a dial-in call into its room', error);
      return 'failed';
    }
  }

  /** `*6` toggles the phone's mute (as its own, under a host's lock), `*1` says how many are in the room. */
  private listenToKeypad(leg: InboundCall, media: DialInMedia, offer: DialInMediaOffer, room: string, participantId: string, call: DialInCall): void {
    let starred = false;
    const command = async (key: KeypadDigit): Promise<void> => {
      if (key === '6') {
        const muted = await this.deps.rooms
          .get(room)
          ?.phones.toggleMute(participantId)
          // A host muted the phone and locked microphones: it stays muted, and is told so.
          .catch((error: unknown) => (error instanceof HostError ? true : Promise.reject(error)));
        if (muted === undefined) return;
        await call.muteBridge(muted);
        await this.say(media, offer.codec, muted ? 'muted' : 'unmuted');
      } else if (key === '1') {
        await media.play(await this.deps.prompts.participantCount(await this.deps.rooms.memberCount(room), offer.codec));
      }
    };
    const pressed = (digit: KeypadDigit): void => {
      if (digit === '*') {
        starred = true;
        return;
      }
      if (starred) this.deps.failures.watch(`cannot carry out keypad command *${digit}`, command(digit));
      starred = false;
    };
    media.on('digit', pressed);
    leg.on('digit', pressed);
  }
}

/** Resolves true once the caller's ACK came, false if the call ended first. */
function confirmed(leg: InboundCall): Promise<boolean> {
  return new Promise((resolve) => {
    const onConfirmed = (): void => {
      leg.off('ended', onEnded);
      resolve(true);
    };
    const onEnded = (): void => {
      leg.off('confirmed', onConfirmed);
      resolve(false);
    };
    leg.once('confirmed', onConfirmed);
    leg.once('ended', onEnded);
  });
}

function withoutPlus(number: string): string {
  return number.replace(/^\+/, '');
}
