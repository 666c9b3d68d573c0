/**
 * The SDP of a phone leg: our offer (plain RTP, one G.711 codec, 20 ms
 * packets, which is what the AudioBridge's G.711 decoder expects) and the
 * media address read from the phone's answer. Parsed and written with
 * sdp-transform.
 */
import { parse, write } from 'sdp-transform';
import type { RtpAddress } from '../media/PhoneBridge.js';

export type G711Codec = 'pcmu' | 'pcma';

/** Static RTP payload types of G.711 (RFC 3551). */
export const G711_PAYLOAD_TYPES: Record<G711Codec, number> = { pcmu: 0, pcma: 8 };
const ENCODING_NAMES: Record<G711Codec, string> = { pcmu: 'PCMU', pcma: 'PCMA' };

export function buildOffer(address: string, port: number, codec: G711Codec, sessionId: number): string {
  return phoneSdp(address, port, codec, sessionId, undefined);
}

/**
 * Our side of a phone leg: one G.711 codec in 20 ms packets, and RFC 4733
 * telephone-events on payload type `event` when the leg carries keypad digits.
 */
export function phoneSdp(address: string, port: number, codec: G711Codec, sessionId: number, event: number | undefined): string {
  const payload = G711_PAYLOAD_TYPES[codec];
  return write({
    version: 0,
    origin: { username: 'convene', sessionId, sessionVersion: 1, netType: 'IN', ipVer: 4, address },
    name: 'Convene',
    connection: { version: 4, ip: address },
    timing: { start: 0, stop: 0 },
    media: [
      {
        type: 'audio',
        port,
        protocol: 'RTP/AVP',
        payloads: event === undefined ? String(payload) : `${payload} ${event}`,
        rtp: [
          { payload, codec: ENCODING_NAMES[codec], rate: 8000 },
          ...(event === undefined ? [] : [{ payload: event, codec: 'telephone-event', rate: 8000 }]),
        ],
        fmtp: event === undefined ? [] : [{ payload: event, config: '0-16' }],
        ptime: 20,
        direction: 'sendrecv',
      },
    ],
  });
}

/** Where the phone wants our audio, or why its answer cannot be used. */
export function readAnswer(sdp: string, codec: G711Codec): { ok: true; media: RtpAddress } | { ok: false; problem: string } {
  let session: ReturnType<typeof parse>;
  try {
    session = parse(sdp);
  } catch {
    return { ok: false, problem: 'the answer SDP cannot be parsed' };
  }
  const audio = session.media?.find((m) => m.type === 'audio' && m.port > 0);
  if (!audio) return { ok: false, problem: 'the answer accepts no audio stream' };
  const payloads = String(audio.payloads ?? '').split(/\s+/).map(Number);
  if (!payloads.includes(G711_PAYLOAD_TYPES[codec])) return { ok: false, problem: `the answer does not accept ${ENCODING_NAMES[codec]}` };
  const ip = audio.connection?.ip ?? session.connection?.ip;
  if (!ip || ip === '0.0.0.0') return { ok: false, problem: 'the answer gives no media address' };
  return { ok: true, media: { ip, port: audio.port } };
}
