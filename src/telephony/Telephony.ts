/**
 * Phone dial-out for the whole server: the SIP endpoint and trunk account,
 * the dial policy, and the calls in progress by id (for `/endPSTNCall` and
 * the answer callback).
 */
import { lookup } from 'node:dns/promises';
import type { FailureLog } from '../support/failures.js';
import sip from 'sip';
import { DialPolicy } from './dialPolicy.js';
import { PhoneCall, type PhoneLine } from './PhoneCall.js';
import type { G711Codec } from './phoneSdp.js';
import { SipEndpoint } from './sip/SipEndpoint.js';

export interface TelephonySettings {
  /** The trunk, e.g. `sip:sip.provider.example:5060`. */
  trunkUri: string;
  username: string;
  password: string;
  fromNumber: string;
  dialNumber: string;
  allowedNumbers: string[];
  codec: G711Codec;
  mediaAddress: string;
  bindAddress: string;
  port: number;
  publicAddress: string;
  ringTimeoutMs: number;
}

export class Telephony {
  private readonly calls = new Map<string, PhoneCall>();

  private constructor(
    /** The trunk line, which incoming calls (see dialIn/) share with dial-out. */
    readonly line: PhoneLine,
    private readonly policy: DialPolicy,
    readonly defaultNumber: string,
    private readonly failures: FailureLog,
  ) {}

  static async start(settings: TelephonySettings, failures: FailureLog): Promise<Telephony> {
    const logger = failures.logger;
    const trunk = sip.parseUri(settings.trunkUri);
    if (!trunk?.host) throw new Error(`SIP_TRUNK_URI ${settings.trunkUri} is not a SIP URI (e.g. sip:sip.example.com:5060)`);
    const port = trunk.port ?? 5060;
    const { address } = await lookup(trunk.host, { family: 4 });
    const target = { address, port };
    const endpoint = await SipEndpoint.open({ bindAddress: settings.bindAddress, port: settings.port, publicAddress: settings.publicAddress, logger }, target);
    const line: PhoneLine = {
      endpoint,
      account: { target, domain: trunk.port ? `${trunk.host}:${trunk.port}` : trunk.host, username: settings.username, password: settings.password, fromNumber: settings.fromNumber },
      codec: settings.codec,
      mediaAddress: settings.mediaAddress,
      ringTimeoutMs: settings.ringTimeoutMs,
    };
    const allowed = settings.allowedNumbers.length > 0 ? settings.allowedNumbers : [settings.dialNumber].filter(Boolean);
    return new Telephony(line, new DialPolicy(allowed), settings.dialNumber, failures.child({ component: 'telephony' }));
  }

  mayDial(number: string): boolean {
    return this.policy.allows(number);
  }

  createCall(number: string, name: string, room: string): PhoneCall {
    const call = new PhoneCall(number, name, this.line, this.failures.child({ room }));
    this.calls.set(call.id, call);
    call.on('state', () => {
      if (call.isOver) this.calls.delete(call.id);
    });
    return call;
  }

  find(callId: string): PhoneCall | undefined {
    return this.calls.get(callId);
  }

  close(): void {
    for (const call of this.calls.values()) call.hangUp();
    this.line.endpoint.close();
  }
}
