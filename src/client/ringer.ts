/**
 * The ringing tone played while we are alone in the room: generated with
 * Web Audio (the North American ring: 440 + 480 Hz, 2 s on, 4 s off), no file.
 */
const ON_S = 2;
const CYCLE_S = 6;

export class Ringer {
  private context: AudioContext | undefined;
  private gain: GainNode | undefined;
  private analyser: AnalyserNode | undefined;
  private timer: number | undefined;

  get isRinging(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.isRinging) return;
    this.context ??= new AudioContext();
    void this.context.resume();
    const context = this.context;
    this.gain = context.createGain();
    this.gain.gain.value = 0;
    this.analyser = context.createAnalyser();
    for (const frequency of [440, 480]) {
      const oscillator = context.createOscillator();
      oscillator.frequency.value = frequency;
      oscillator.connect(this.gain);
      oscillator.start();
    }
    this.gain.connect(this.analyser);
    this.analyser.connect(context.destination);
    const schedule = (): void => {
      const now = context.currentTime;
      this.gain?.gain.setValueAtTime(0.15, now);
      this.gain?.gain.setValueAtTime(0, now + ON_S);
    };
    schedule();
    this.timer = window.setInterval(schedule, CYCLE_S * 1000);
  }

  stop(): void {
    if (!this.isRinging) return;
    window.clearInterval(this.timer);
    this.timer = undefined;
    this.gain?.disconnect();
    this.analyser?.disconnect();
    this.gain = undefined;
    this.analyser = undefined;
  }

  /** Peak amplitude (0–1) of what the ringer sends to the speakers right now. */
  level(): number {
    if (!this.analyser) return 0;
    const samples = new Float32Array(this.analyser.fftSize);
    this.analyser.getFloatTimeDomainData(samples);
    return samples.reduce((peak, sample) => Math.max(peak, Math.abs(sample)), 0);
  }
}
