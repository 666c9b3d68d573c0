/**
 * What a meeting page receives, stream by stream, as its receiving
 * RTCPeerConnection's statistics say, each stream named by the participant
 * and feed its m-line carries (the mapping the server's offers give); and
 * which layers its camera sends.
 */
import type { Page } from 'playwright-core';

/** One inbound RTP stream, and whose feed its m-line carries now (undefined for an m-line no longer mapped). */
export interface InboundStream {
  mid: string;
  participantId: string | undefined;
  feed: string | undefined;
  kind: 'audio' | 'video';
  /** The picture's size now (0 before the first frame; audio: 0). */
  width: number;
  height: number;
  framesDecoded: number;
  packetsReceived: number;
  bytesReceived: number;
  /** Frames complete enough to go to the decoder, keyframes among those decoded, and the keyframes this page asked for. */
  framesReceived: number;
  keyFramesDecoded: number;
  pliCount: number;
  nackCount: number;
}

/** A stream whose m-line is mapped to a participant's feed. */
export type ReceivedStream = InboundStream & { participantId: string; feed: string };

export interface Receiving {
  /** The receiving connection's id (`sub-<n>`), if the page has one. */
  pcId: string | undefined;
  streams: InboundStream[];
}

type Handle = {
  convene: {
    session?: {
      peerConnections(): Map<string, RTCPeerConnection>;
      subscriber: { id: string | undefined; connection: RTCPeerConnection | undefined; streamOf(mid: string): { participantId: string; feed: string } | undefined };
    };
  };
};

/** Every inbound stream of the page's receiving connection, mapped or not. */
export function receiving(page: Page): Promise<Receiving> {
  return page.evaluate(async () => {
    const subscriber = (window as unknown as Handle).convene.session?.subscriber;
    const pc = subscriber?.connection;
    if (!subscriber || !pc) return { pcId: undefined, streams: [] };
    const streams: InboundStream[] = [];
    (await pc.getStats()).forEach((entry: Record<string, unknown>) => {
      if (entry['type'] !== 'inbound-rtp' || typeof entry['mid'] !== 'string') return;
      const mapped = subscriber.streamOf(entry['mid']);
      // (No helper function here: the page runs this as it is, without the test runner's helpers.)
      const counters = entry as { frameWidth?: number; frameHeight?: number; framesDecoded?: number; packetsReceived?: number; bytesReceived?: number; framesReceived?: number; keyFramesDecoded?: number; pliCount?: number; nackCount?: number };
      streams.push({
        mid: entry['mid'],
        participantId: mapped?.participantId,
        feed: mapped?.feed,
        kind: entry['kind'] === 'video' ? 'video' : 'audio',
        width: counters.frameWidth ?? 0,
        height: counters.frameHeight ?? 0,
        framesDecoded: counters.framesDecoded ?? 0,
        packetsReceived: counters.packetsReceived ?? 0,
        bytesReceived: counters.bytesReceived ?? 0,
        framesReceived: counters.framesReceived ?? 0,
        keyFramesDecoded: counters.keyFramesDecoded ?? 0,
        pliCount: counters.pliCount ?? 0,
        nackCount: counters.nackCount ?? 0,
      });
    });
    return { pcId: subscriber.id, streams };
  });
}

/** The streams whose m-lines carry a participant's feed now. */
export async function receivedStreams(page: Page): Promise<ReceivedStream[]> {
  return (await receiving(page)).streams.filter((stream): stream is ReceivedStream => stream.participantId !== undefined && stream.feed !== undefined);
}

/** The camera video a page receives of one participant, if any. */
export async function receivedCamera(page: Page, participantId: string): Promise<ReceivedStream | undefined> {
  return (await receivedStreams(page)).find((stream) => stream.kind === 'video' && stream.feed === 'camera' && stream.participantId === participantId);
}

/** Widths of the layers a page's camera is sending now (each with frames going out), by rid: `l`, `m`, `h` (see Publisher). */
export function sentLayers(page: Page): Promise<Partial<Record<string, number>>> {
  return page.evaluate(async () => {
    const pc = (window as unknown as Handle).convene.session?.peerConnections().get('pub-camera');
    const widths: Record<string, number> = {};
    (await pc?.getStats())?.forEach((entry: Record<string, unknown>) => {
      const { type, kind, rid, frameWidth, framesPerSecond } = entry;
      if (type === 'outbound-rtp' && kind === 'video' && typeof frameWidth === 'number' && Number(framesPerSecond ?? 0) > 0) widths[String(rid ?? '')] = frameWidth;
    });
    return widths;
  });
}
