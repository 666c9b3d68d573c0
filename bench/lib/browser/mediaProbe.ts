/**
 * Runs in every benchmark page before its own scripts and keeps every peer
 * connection the page makes. It notes when a join button (`#join-button` of
 * the meeting page, `[data-bench-join]` of the direct client) is clicked,
 * then polls those connections until one has decoded a video frame. On
 * request it also watches for the first received audio above a level. All
 * times are epoch times, comparable between pages and with times taken
 * outside the page.
 */
export {};

interface MediaProbe {
  /** Epoch times (ms, sub-millisecond precision), comparable between pages of one machine. */
  clickedAt?: number;
  firstFrameAt?: number;
  /** Whether a connection that sends the camera is up: others can then receive this page. */
  publishing(): boolean;
  firstAudioEpochMs?: number;
  /** Starts (or restarts) watching for received audio louder than `level` (0..1). */
  watchAudio(level: number): void;
}

const POLL_MS = 5;
const epochNow = (): number => performance.timeOrigin + performance.now();
const peerConnections: RTCPeerConnection[] = [];
const NativePeerConnection = window.RTCPeerConnection;
window.RTCPeerConnection = class extends NativePeerConnection {
  constructor(configuration?: RTCConfiguration) {
    super(configuration);
    peerConnections.push(this);
  }
} as typeof RTCPeerConnection;

let audioWatch = 0;

async function pollForAudio(watch: number, level: number): Promise<void> {
  for (const pc of peerConnections) {
    if (pc.connectionState === 'closed') continue;
    const report = await pc.getStats();
    report.forEach((entry: { type: string; kind?: string; audioLevel?: number }) => {
      if (entry.type === 'inbound-rtp' && entry.kind === 'audio' && (entry.audioLevel ?? 0) > level) {
        probe.firstAudioEpochMs ??= epochNow();
      }
    });
  }
  if (probe.firstAudioEpochMs === undefined && watch === audioWatch) setTimeout(() => void pollForAudio(watch, level), POLL_MS);
}

const probe: MediaProbe = {
  publishing: () => peerConnections.some((pc) => pc.connectionState === 'connected' && pc.getSenders().some((sender) => sender.track?.kind === 'video')),
  watchAudio(level) {
    probe.firstAudioEpochMs = undefined;
    audioWatch += 1;
    void pollForAudio(audioWatch, level);
  },
};
(window as unknown as { mediaProbe: MediaProbe }).mediaProbe = probe;

async function pollForFirstFrame(): Promise<void> {
  for (const pc of peerConnections) {
    if (pc.connectionState === 'closed') continue;
    const report = await pc.getStats();
    report.forEach((entry: { type: string; kind?: string; framesDecoded?: number }) => {
      if (entry.type === 'inbound-rtp' && entry.kind === 'video' && (entry.framesDecoded ?? 0) > 0) probe.firstFrameAt ??= epochNow();
    });
  }
  if (probe.firstFrameAt === undefined) setTimeout(() => void pollForFirstFrame(), POLL_MS);
}

document.addEventListener(
  'click',
  (event) => {
    if (probe.clickedAt !== undefined || !(event.target instanceof Element)) return;
    if (!event.target.closest('#join-button, [data-bench-join]')) return;
    probe.clickedAt = epochNow();
    void pollForFirstFrame();
  },
  true,
);
