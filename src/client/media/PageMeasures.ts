/**
 * What the page measures of its calls, wired to what shows it: who speaks
 * (from the receivers' last heard audio levels), how the downlink copes
 * (from the receiving connection's statistics and the pongs' delays), and
 * the connection quality on every tile (what arrives from each participant;
 * what we send, on our own tile).
 */
import type { MeetingSession } from '../session/MeetingSession.js';
import type { RoomView } from '../view/RoomView.js';
import { QualityBadges } from '../view/QualityBadges.js';
import { longer } from './ConnectionQuality.js';
import { DownlinkMonitor } from './DownlinkMonitor.js';
import { ReceiveQuality } from './ReceiveQuality.js';
import { ReceiveStats } from './ReceiveStats.js';
import { SendQuality } from './SendQuality.js';
import { SpeakerDetector, type HeardLevel } from './SpeakerDetector.js';
import { pastItsStart } from '../session/connectionAge.js';

export interface PageMeasures {
  speakers: SpeakerDetector;
  downlink: DownlinkMonitor;
}

export function measurePage(deps: { session: () => MeetingSession | undefined; selfId: () => string; room: RoomView; qualityNotice: HTMLElement }): PageMeasures {
  const { session, room } = deps;
  const participantOf = (mid: string): string | undefined => session()?.subscriber.streamOf(mid)?.participantId;
  const stats = new ReceiveStats(() => session()?.subscriber.connection);
  const speakers = new SpeakerDetector(participantOf, {
    speaking: (participantId, atMs) => room.speaking(participantId, atMs),
    loudest: (participantId) => room.grid.setSpeaking(participantId),
  });
  speakers.listenTo(() => heardLevels(session()));
  const downlink = new DownlinkMonitor((quality) => room.setDownlinkQuality(quality), () => room.layerLadder());
  stats.onSample((samples, atMs) => downlink.update(samples, atMs));

  const quality = new QualityBadges(room.grid, deps.qualityNotice);
  const receiveQuality = new ReceiveQuality(participantOf, {
    participant: (participantId, report) => quality.show(participantId, report, 'received'),
    gone: (participantId) => quality.clear(participantId),
    downlink: (report) => quality.ownConnection('downlink', report.grade),
  });
  const sendQuality = new SendQuality(() => session()?.peerConnections().get('pub-camera'), (report) => {
    quality.show(deps.selfId(), report, 'sent');
    quality.ownConnection('uplink', report.grade);
  });
  // Both connections take the page's one path to Janus; the receiving one's round trip was seen to stay at a few
  // milliseconds behind a two-second queue on the way down, while the sending one's showed it.
  stats.onSample((samples, atMs, roundTripMs) => receiveQuality.update(samples, atMs, longer(roundTripMs, sendQuality.roundTripMs)));
  return { speakers, downlink };
}

/** The level each received audio stream was last heard at (the source heard most recently, should an m-line have had two). */
function heardLevels(session: MeetingSession | undefined): HeardLevel[] {
  const pc = session?.subscriber.connection;
  if (!pc || !pastItsStart(pc)) return [];
  return session.subscriber.audioReceivers.map(({ mid, receiver }) => {
    const latest = receiver.getSynchronizationSources().reduce<RTCRtpSynchronizationSource | undefined>((a, b) => (a && a.timestamp >= b.timestamp ? a : b), undefined);
    return { mid, level: latest?.audioLevel ?? 0 };
  });
}
