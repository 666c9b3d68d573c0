/**
 * A phone that called in, once its PIN took it into a room: a PhoneCall
 * like a dialled one (the room gives it a tile and a bridge on Janus), but
 * its line is up already. Connecting it points the bridge at the call's own
 * socket (DialInMedia), which relays between the phone and the mixer and
 * keeps reading the keypad. Whatever ends the call (a host, /endPSTNCall,
 * the lobby turning it away) ends its SIP dialog too, after a goodbye.
 */
import type { PhoneBridge } from '../../media/PhoneBridge.js';
import type { FailureLog } from '../../support/failures.js';
import { PhoneCall, type PhoneLine } from '../PhoneCall.js';
import { localAddressTowards } from '../sip/SipEndpoint.js';
import type { DialInMedia } from './DialInMedia.js';
import type { InboundCall } from './InboundCall.js';

export class DialInCall extends PhoneCall {
  private connectedBridge: PhoneBridge | undefined;

  constructor(
    number: string,
    displayName: string,
    line: PhoneLine,
    private readonly leg: InboundCall,
    private readonly media: DialInMedia,
    /** Says goodbye to the caller; resolves once said (or cut short). */
    farewell: () => Promise<void>,
    failures: FailureLog,
  ) {
    super(number, displayName, line, failures);
    leg.once('ended', (byCaller) => this.finish('ended', byCaller ? 'the phone hung up' : 'hung up'));
    this.on('state', () => {
      if (this.isOver && !leg.isOver) void farewell().finally(() => leg.hangUp());
    });
  }

  /** Enforces the phone's own mute (`*6`) in its mixer; the room records it (Room.togglePhoneMute). */
  async muteBridge(muted: boolean): Promise<void> {
    await this.connectedBridge?.setMuted(muted);
  }

  protected override connect(bridge: PhoneBridge): void {
    this.connectedBridge = bridge;
    this.failures.watch('cannot connect a dial-in call to its bridge', this.relay(bridge));
  }

  private async relay(bridge: PhoneBridge): Promise<void> {
    try {
      const ownAddress = await localAddressTowards({ address: bridge.phoneRtp.ip, port: bridge.phoneRtp.port });
      const mixTo = await this.media.relay(bridge.phoneRtp, ownAddress);
      await bridge.connectPhone(mixTo, this.line.codec);
      await bridge.publish();
      if (!this.isOver) this.setState('answered');
      this.logger.info({ codec: this.line.codec }, 'dial-in call bridged');
    } catch (error) {
      if (this.isOver) return;
      this.failures.report('cannot bridge a dial-in call', error);
      this.finish('failed', 'the media server could not bridge the call');
    }
  }
}
