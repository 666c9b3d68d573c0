/**
 * Watches a meeting page's RTCPeerConnections from inside the page, every
 * 50 ms for as long as it is open, so that a receiving connection that
 * lives only between two of the test's own looks is still seen. It counts
 * every connection the page constructs (the constructor is wrapped before
 * the page's scripts run), not only those the page's session lists: any
 * open connection the session never listed as publishing counts as
 * receiving.
 */
import type { Page } from 'playwright-core';

export interface PeerConnectionRecord {
  /** Samples taken while the page was in a meeting. */
  samples: number;
  /** RTCPeerConnections the page constructed. */
  constructed: number;
  /** Of those, how many the session ever listed as receiving (`sub-<n>`), as publishing (`pub-…`), or never listed. */
  listedReceiving: number;
  listedPublishing: number;
  neverListed: number;
  /** Open (not closed) connections, besides the ones the page publishes on, at the last sample. */
  openReceiving: number;
  /** The fewest and the most of those at once, over the samples since the first one opened (undefined before). */
  minOpenReceiving: number | undefined;
  maxOpenReceiving: number;
  /** Every receiving connection id the session listed. */
  receivingIds: string[];
}

type Watched = Window & {
  convene?: { session?: { peerConnections(): Map<string, RTCPeerConnection> } };
  peerConnectionRecord?: PeerConnectionRecord;
  samplePeerConnections?: () => void;
};

const SAMPLE_EVERY_MS = 50;

/** Starts watching from the page's next navigation on. */
export async function watchPeerConnections(page: Page): Promise<void> {
  // The function goes to the page as source text: no named function inside (the transpiler would wrap it in a helper the page lacks).
  await page.addInitScript((everyMs: number) => {
    const watched = window as Watched;
    const constructed: RTCPeerConnection[] = [];
    /** The kinds of id (`sub`, `pub`) each constructed connection was listed under, by its index in `constructed`. */
    const listedAs: Array<Set<string>> = [];
    const record: PeerConnectionRecord = {
      samples: 0,
      constructed: 0,
      listedReceiving: 0,
      listedPublishing: 0,
      neverListed: 0,
      openReceiving: 0,
      minOpenReceiving: undefined,
      maxOpenReceiving: 0,
      receivingIds: [],
    };
    watched.peerConnectionRecord = record;
    window.RTCPeerConnection = new Proxy(window.RTCPeerConnection, {
      construct(target, args, newTarget) {
        const pc = Reflect.construct(target, args, newTarget) as RTCPeerConnection;
        constructed.push(pc);
        listedAs.push(new Set());
        return pc;
      },
    });
    watched.samplePeerConnections = () => {
      const session = watched.convene?.session;
      if (!session) return;
      for (const [id, pc] of session.peerConnections()) {
        listedAs[constructed.indexOf(pc)]?.add(id.slice(0, 3));
        if (id.startsWith('sub-') && !record.receivingIds.includes(id)) record.receivingIds.push(id);
      }
      const open = constructed.filter((pc, index) => pc.signalingState !== 'closed' && !listedAs[index]?.has('pub'));
      record.openReceiving = open.length;
      if (record.minOpenReceiving !== undefined || open.length > 0) record.minOpenReceiving = Math.min(record.minOpenReceiving ?? open.length, open.length);
      record.maxOpenReceiving = Math.max(record.maxOpenReceiving, open.length);
      record.constructed = constructed.length;
      record.listedReceiving = listedAs.filter((kinds) => kinds.has('sub')).length;
      record.listedPublishing = listedAs.filter((kinds) => kinds.has('pub')).length;
      record.neverListed = listedAs.filter((kinds) => kinds.size === 0).length;
      record.samples += 1;
    };
    setInterval(() => watched.samplePeerConnections?.(), everyMs);
  }, SAMPLE_EVERY_MS);
}

/** What the page's watch has seen so far, with a sample taken now. */
export function peerConnectionRecord(page: Page): Promise<PeerConnectionRecord> {
  return page.evaluate(() => {
    const watched = window as Watched;
    if (!watched.peerConnectionRecord || !watched.samplePeerConnections) throw new Error('the page is not watched: call watchPeerConnections before it loads');
    watched.samplePeerConnections();
    return { ...watched.peerConnectionRecord, receivingIds: [...watched.peerConnectionRecord.receivingIds] };
  });
}
