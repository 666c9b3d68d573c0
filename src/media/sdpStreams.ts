/**
 * What Janus's SDP answer to a publisher says about its streams, read with
 * sdp-transform.
 */
import { parse } from 'sdp-transform';
import type { RemoteStreamSpec } from './janus/videoroom.js';

/** The mid of the audio stream Janus accepted from the publisher, if any. */
export function sentAudioMid(answerSdp: string): string | undefined {
  const audio = parse(answerSdp).media.find((m) => m.type === 'audio' && m.port !== 0 && m.direction !== 'inactive');
  return audio?.mid === undefined ? undefined : String(audio.mid);
}

/**
 * The audio and video streams Janus accepted from the publisher, with the
 * m-line index and codec another node needs to receive them as a remote
 * publisher.
 */
export function publishedStreams(answerSdp: string): RemoteStreamSpec[] {
  return parse(answerSdp).media.flatMap((m, mindex) => {
    const codec = m.rtp[0]?.codec.toLowerCase();
    if ((m.type !== 'audio' && m.type !== 'video') || m.port === 0 || m.direction === 'inactive' || m.mid === undefined || !codec) return [];
    // Janus's answer to a simulcast offer receives the layers by their rids.
    const simulcast = m.type === 'video' && (m.rids?.length ?? 0) > 1;
    return [{ type: m.type, mid: String(m.mid), mindex, codec, ...(simulcast ? { simulcast } : {}) }];
  });
}
