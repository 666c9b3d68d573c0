/**
 * Finds the active speaker from the audio levels of the remote streams: the
 * loudest above a threshold, held for a moment so the highlight doesn't flicker.
 */
const THRESHOLD = 0.02;
const INTERVAL_MS = 250;

export class SpeakerDetector {
  private readonly context = new AudioContext();
  private readonly analysers = new Map<string, AnalyserNode>();
  private readonly sources = new Map<string, MediaStreamAudioSourceNode>();
  private timer: number | undefined;

  constructor(private readonly onSpeaker: (participantId: string | undefined) => void) {}

  watch(participantId: string, stream: MediaStream): void {
    if (stream.getAudioTracks().length === 0) return;
    this.unwatch(participantId);
    const source = this.context.createMediaStreamSource(stream);
    const analyser = this.context.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    this.sources.set(participantId, source);
    this.analysers.set(participantId, analyser);
    void this.context.resume();
    this.timer ??= window.setInterval(() => this.poll(), INTERVAL_MS);
  }

  unwatch(participantId: string): void {
    this.sources.get(participantId)?.disconnect();
    this.sources.delete(participantId);
    this.analysers.delete(participantId);
  }

  /** Audio level (RMS, 0–1) of one participant, as last heard. */
  level(participantId: string): number {
    const analyser = this.analysers.get(participantId);
    if (!analyser) return 0;
    const samples = new Float32Array(analyser.fftSize);
    analyser.getFloatTimeDomainData(samples);
    return Math.sqrt(samples.reduce((sum, sample) => sum + sample * sample, 0) / samples.length);
  }

  private poll(): void {
    let loudest: string | undefined;
    let loudestLevel = THRESHOLD;
    for (const participantId of this.analysers.keys()) {
      const level = this.level(participantId);
      if (level > loudestLevel) {
        loudest = participantId;
        loudestLevel = level;
      }
    }
    this.onSpeaker(loudest);
  }
}
