/**
 * Keypad digits from a phone's RTP: RFC 4733 telephone-events. A key press
 * is sent as several packets that share one RTP timestamp (the event's
 * start), the last ones, with the end bit, repeated three times; so a
 * digit is taken once, from the first packet of a timestamp not seen yet.
 */
import type { RtpPacket } from './rtpPacket.js';

/** A keypad key: a digit, `*` or `#`. */
export type KeypadDigit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#';

const EVENT_DIGITS: readonly KeypadDigit[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'];
const EVENT_PAYLOAD_BYTES = 4;

export function keypadDigit(text: string): KeypadDigit | undefined {
  return EVENT_DIGITS.find((digit) => digit === text);
}

export class TelephoneEventReader {
  private lastTimestamp: number | undefined;
  private lastSsrc: number | undefined;

  constructor(private readonly payloadType: number | undefined) {}

  /** Whether the packet is a telephone-event (which is never relayed as audio). */
  isEvent(packet: RtpPacket): boolean {
    return this.payloadType !== undefined && packet.payloadType === this.payloadType;
  }

  /** The key a telephone-event packet starts, or undefined for repeats, updates and events that are no key. */
  read(packet: RtpPacket): KeypadDigit | undefined {
    if (!this.isEvent(packet) || packet.payload.length < EVENT_PAYLOAD_BYTES) return undefined;
    if (packet.timestamp === this.lastTimestamp && packet.ssrc === this.lastSsrc) return undefined;
    this.lastTimestamp = packet.timestamp;
    this.lastSsrc = packet.ssrc;
    return EVENT_DIGITS[packet.payload.readUInt8(0)];
  }
}
