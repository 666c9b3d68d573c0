/**
 * A real SDP offer (audio and video, sendonly, with ICE credentials and a
 * DTLS fingerprint) made once by a werift peer, for clients that only
 * negotiate and never send media. Its candidates are removed so Janus does
 * not run connectivity checks towards a peer that is already gone.
 */
import { RTCPeerConnection } from 'werift';

export async function makeCannedOffer(): Promise<string> {
  const pc = new RTCPeerConnection({ iceUseIpv6: false });
  pc.addTransceiver('audio', { direction: 'sendonly' });
  pc.addTransceiver('video', { direction: 'sendonly' });
  await pc.setLocalDescription(await pc.createOffer());
  const sdp = pc.localDescription!.sdp;
  await pc.close();
  return sdp
    .split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') && line !== 'a=end-of-candidates')
    .join('\r\n');
}
