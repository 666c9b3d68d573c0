/**
 * The SDP of a phone leg: our offer (plain RTP, one G.711 codec, 20 ms
 * packets, which is what the AudioBridge's G.711 decoder expects) and the
 * media address read from the phone's answer. Parsed and written with
 * sdp-transform.
 */
import { parse, write } from 'sdp-transform';
import type { RtpAddress } from '../media/PhoneBridge.js';

export type G711Codec = 'pcmu' | 'pcma';

const PAYLOAD_TYPES: Record<G711Codec, number> = { pcmu: 0, pcma: 8 };
const ENCODING_NAMES: Record<G711Codec, string> = { pcmu: 'PCMU', pcma: 'PCMA' };

export function buildOffer(address: string, port: number, codec: G711Codec, sessionId: number): string {
  const payload = PAYLOAD_TYPES[codec];
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
        payloads: String(payload),
        rtp: [{ payload, codec: ENCODING_NAMES[codec], rate: 8000 }],
        fmtp: [],
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
  if (!payloads.includes(PAYLOAD_TYPES[codec])) return { ok: false, problem: `the answer does not accept ${ENCODING_NAMES[codec]}` };
  const ip = audio.connection?.ip ?? session.connection?.ip;
  if (!ip || ip === '0.0.0.0') return { ok: false, problem: 'the answer gives no media address' };
  return { ok: true, media: { ip, port: audio.port } };
}
