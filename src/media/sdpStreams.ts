/**
 * What Janus's SDP answer to a publisher says about its streams, read with
 * sdp-transform.
 */
import { parse } from 'sdp-transform';

/** The mid of the audio stream Janus accepted from the publisher, if any. */
export function sentAudioMid(answerSdp: string): string | undefined {
  const audio = parse(answerSdp).media.find((m) => m.type === 'audio' && m.port !== 0 && m.direction !== 'inactive');
  return audio?.mid === undefined ? undefined : String(audio.mid);
}
