/**
 * RTP packets (RFC 3550) as a dial-in call's socket reads and writes them:
 * the fixed header, checked against the datagram's length, and the
 * payload's place in it. Anything that is not a well-formed RTP packet is
 * undefined, so hostile datagrams are dropped rather than relayed.
 */
export interface RtpPacket {
  payloadType: number;
  marker: boolean;
  sequence: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
}

const FIXED_HEADER_BYTES = 12;
const RTP_VERSION = 2;

export function parseRtp(datagram: Buffer): RtpPacket | undefined {
  if (datagram.length < FIXED_HEADER_BYTES) return undefined;
  const first = datagram.readUInt8(0);
  if (first >> 6 !== RTP_VERSION) return undefined;
  const csrcCount = first & 0x0f;
  let offset = FIXED_HEADER_BYTES + 4 * csrcCount;
  if (first & 0x10) {
    if (datagram.length < offset + 4) return undefined;
    offset += 4 + 4 * datagram.readUInt16BE(offset + 2);
  }
  let end = datagram.length;
  if (first & 0x20) {
    const padding = datagram.readUInt8(datagram.length - 1);
    end -= padding;
  }
  if (offset > end) return undefined;
  const second = datagram.readUInt8(1);
  return {
    payloadType: second & 0x7f,
    marker: (second & 0x80) !== 0,
    sequence: datagram.readUInt16BE(2),
    timestamp: datagram.readUInt32BE(4),
    ssrc: datagram.readUInt32BE(8),
    payload: datagram.subarray(offset, end),
  };
}

export function buildRtp(packet: RtpPacket): Buffer {
  const header = Buffer.alloc(FIXED_HEADER_BYTES);
  header.writeUInt8(RTP_VERSION << 6, 0);
  header.writeUInt8((packet.marker ? 0x80 : 0) | (packet.payloadType & 0x7f), 1);
  header.writeUInt16BE(packet.sequence & 0xffff, 2);
  header.writeUInt32BE(packet.timestamp >>> 0, 4);
  header.writeUInt32BE(packet.ssrc >>> 0, 8);
  return Buffer.concat([header, packet.payload]);
}
