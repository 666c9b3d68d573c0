/**
 * The SDP of a dial-in: what we take from the trunk's offer (its audio
 * address, a G.711 codec, and its telephone-event payload type for keypad
 * digits) and our answer. An offer we cannot serve gets the reason for a
 * 488 instead.
 */
import { parse } from 'sdp-transform';
import type { RtpAddress } from '../../media/PhoneBridge.js';
import { G711_PAYLOAD_TYPES, phoneSdp, type G711Codec } from '../phoneSdp.js';

export interface DialInMediaOffer {
  remote: RtpAddress;
  codec: G711Codec;
  /** The offer's payload type for RFC 4733 events at 8 kHz, if it offers them. */
  telephoneEventPayloadType: number | undefined;
}

/** Offers bigger than this are no phone's: refused without parsing. */
const MAX_OFFER_BYTES = 8 * 1024;

export function readOffer(sdp: string | undefined, preferred: G711Codec): { ok: true; offer: DialInMediaOffer } | { ok: false; problem: string } {
  if (!sdp) return { ok: false, problem: 'the INVITE has no SDP offer' };
  if (sdp.length > MAX_OFFER_BYTES) return { ok: false, problem: 'the SDP offer is too long' };
  let session: ReturnType<typeof parse>;
  try {
    session = parse(sdp);
  } catch {
    return { ok: false, problem: 'the SDP offer cannot be parsed' };
  }
  const audio = session.media?.find((m) => m.type === 'audio' && Number.isInteger(m.port) && m.port > 0 && m.port < 65536 && m.protocol === 'RTP/AVP');
  if (!audio) return { ok: false, problem: 'the offer has no plain RTP audio stream' };
  const payloads = String(audio.payloads ?? '').split(/\s+/).filter(Boolean).map(Number);
  const codec = ([preferred, preferred === 'pcmu' ? 'pcma' : 'pcmu'] as const).find((candidate) => payloads.includes(G711_PAYLOAD_TYPES[candidate]));
  if (!codec) return { ok: false, problem: 'the offer has no G.711 codec (PCMU or PCMA)' };
  const ip = audio.connection?.ip ?? session.connection?.ip;
  if (!ip || ip === '0.0.0.0' || !/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return { ok: false, problem: 'the offer gives no IPv4 media address' };
  const event = audio.rtp?.find((rtp) => rtp.codec.toLowerCase() === 'telephone-event' && rtp.rate === 8000 && payloads.includes(rtp.payload));
  return { ok: true, offer: { remote: { ip, port: audio.port }, codec, telephoneEventPayloadType: event?.payload } };
}

export function buildAnswer(address: string, port: number, offer: DialInMediaOffer, sessionId: number): string {
  return phoneSdp(address, port, offer.codec, sessionId, offer.telephoneEventPayloadType);
}
