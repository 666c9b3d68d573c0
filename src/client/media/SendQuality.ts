/**
 * The quality of what the page sends (its camera and microphone), shown on
 * its own tile: once a second, one getStats of the camera's connection
 * gives what Janus reports receiving (remote-inbound-rtp: the share lost
 * since its last report, per stream, the worst counted), the round trip of
 * the candidate pair in use, and the bitrate sent. Media that was sent and
 * stops leaving altogether is a stall. Graded as in ConnectionQuality.
 */
import { QualityGrader, type QualityReport } from './ConnectionQuality.js';
import { selectedRoundTripMs } from './ReceiveStats.js';
import { pastItsStart } from '../session/connectionAge.js';

const EVERY_MS = 1_000;

export class SendQuality {
  private grader = new QualityGrader();
  private measuring: RTCPeerConnection | undefined;
  private previous: { bytes: number; atMs: number } | undefined;
  private lastRoundTripMs: number | undefined;

  constructor(
    /** The connection the camera (with the microphone) is sent on, while there is one. */
    private readonly connection: () => RTCPeerConnection | undefined,
    private readonly report: (report: QualityReport) => void,
  ) {
    // As long as the page: it costs nothing while the page sends nothing.
    window.setInterval(() => void this.sample(), EVERY_MS);
  }

  /** The round trip last measured on the camera's connection (undefined while it has none). */
  get roundTripMs(): number | undefined {
    return this.lastRoundTripMs;
  }

  private async sample(): Promise<void> {
    const pc = this.connection();
    if (!pc || pc.connectionState !== 'connected' || !pastItsStart(pc)) {
      this.lastRoundTripMs = undefined;
      return;
    }
    if (pc !== this.measuring) {
      // A new connection (a device change with other kinds, a reconnect): its grade starts afresh.
      this.measuring = pc;
      this.previous = undefined;
      this.grader = new QualityGrader();
    }
    const report = await pc.getStats();
    let bytes = 0;
    let lossShare = 0;
    report.forEach((entry: Record<string, unknown>) => {
      if (entry['type'] === 'outbound-rtp') bytes += Number(entry['bytesSent'] ?? 0);
      if (entry['type'] === 'remote-inbound-rtp') lossShare = Math.max(lossShare, Number(entry['fractionLost'] ?? 0));
    });
    const atMs = performance.now();
    this.lastRoundTripMs = selectedRoundTripMs(report);
    const previous = this.previous;
    this.previous = { bytes, atMs };
    if (!previous || pc !== this.measuring) return;
    const sentBytes = bytes - previous.bytes;
    const measure = {
      lossShare,
      roundTripMs: this.lastRoundTripMs,
      kbps: Math.round((sentBytes * 8) / (atMs - previous.atMs)),
      stalled: previous.bytes > 0 && sentBytes <= 0,
    };
    this.report({ ...measure, grade: this.grader.update(measure) });
  }
}
