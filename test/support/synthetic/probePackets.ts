/**
 * Synthetic media at a fixed rate: RTP payloads that Janus forwards like real
 * VP8 and Opus (it never decodes them) and that carry a probe, so a
 * subscriber can tell which publisher and stream sent a packet, its sequence
 * and when it was sent. All peers live in one process, so the send time
 * (performance.now()) and the arrival time share one clock.
 */

export type StreamKind = 'audio' | 'video';

/** How often one stream sends, and how big each payload is. */
export interface StreamRate {
  packetsPerSecond: number;
  payloadBytes: number;
}

/** What one synthetic participant publishes, per stream; fixed, so the forwarded bitrate is known. */
export type SyntheticMedia = Record<StreamKind, StreamRate>;

/** A camera's and a voice's usual packet rates: what the capacity benchmark's participants send. */
export const SYNTHETIC_MEDIA: SyntheticMedia = {
  video: { packetsPerSecond: 30, payloadBytes: 1000 },
  audio: { packetsPerSecond: 50, payloadBytes: 60 },
};

/** Few small packets: enough for a page to count each stream as received, light enough for a big room's worth of publishers in one process. */
export const LIGHT_SYNTHETIC_MEDIA: SyntheticMedia = {
  video: { packetsPerSecond: 5, payloadBytes: 300 },
  audio: { packetsPerSecond: 10, payloadBytes: 60 },
};

export function payloadBitrateBps(kind: StreamKind, media: SyntheticMedia = SYNTHETIC_MEDIA): number {
  const { packetsPerSecond, payloadBytes } = media[kind];
  return packetsPerSecond * payloadBytes * 8;
}

const MAGIC = 0x43564e42; // "CVNB"
const PROBE_BYTES = 4 + 2 + 1 + 4 + 8;

/**
 * VP8 payload descriptor (start of partition) and a key frame header for
 * 320x180: every packet is a whole key frame, so no subscriber ever waits for
 * one. Opus gets a single TOC byte.
 */
const VP8_PREFIX = Buffer.from([0x10, 0x50, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xb4, 0x00]);
const OPUS_PREFIX = Buffer.from([0xf8, 0xff, 0xfe]);

function prefixOf(kind: StreamKind): Buffer {
  return kind === 'video' ? VP8_PREFIX : OPUS_PREFIX;
}

export interface Probe {
  publisher: number;
  kind: StreamKind;
  sequence: number;
  sentAtMs: number;
}

/** A payload of `payloadBytes` (at least the prefix and the probe) carrying `probe`. */
export function buildPayload(probe: Probe, payloadBytes: number): Buffer {
  const prefix = prefixOf(probe.kind);
  const payload = Buffer.alloc(Math.max(payloadBytes, prefix.length + PROBE_BYTES));
  prefix.copy(payload, 0);
  let offset = prefix.length;
  offset = payload.writeUInt32BE(MAGIC, offset);
  offset = payload.writeUInt16BE(probe.publisher, offset);
  offset = payload.writeUInt8(probe.kind === 'video' ? 1 : 0, offset);
  offset = payload.writeUInt32BE(probe.sequence, offset);
  payload.writeDoubleBE(probe.sentAtMs, offset);
  return payload;
}

export function readProbe(payload: Buffer): Probe | undefined {
  for (const prefix of [VP8_PREFIX, OPUS_PREFIX]) {
    const offset = prefix.length;
    if (payload.length < offset + PROBE_BYTES || payload.readUInt32BE(offset) !== MAGIC) continue;
    return {
      publisher: payload.readUInt16BE(offset + 4),
      kind: payload.readUInt8(offset + 6) === 1 ? 'video' : 'audio',
      sequence: payload.readUInt32BE(offset + 7),
      sentAtMs: payload.readDoubleBE(offset + 11),
    };
  }
  return undefined;
}
