/** What a meeting page hears from one participant, measured on the page itself. */
import type { Page } from 'playwright-core';

/** The strongest frequency in what the page receives from one participant, by an FFT on the page (0 for silence). */
export function receivedPeakHz(page: Page, participantId: string): Promise<number> {
  return page.evaluate(async (id) => {
    const video = document.querySelector<HTMLVideoElement>(`figure[data-participant-id="${id}"] video`);
    const stream = video?.srcObject;
    if (!(stream instanceof MediaStream) || stream.getAudioTracks().length === 0) return 0;
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 8192;
    context.createMediaStreamSource(stream).connect(analyser);
    const sums = new Float32Array(analyser.frequencyBinCount);
    const frame = new Float32Array(analyser.frequencyBinCount);
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      analyser.getFloatFrequencyData(frame);
      for (let bin = 0; bin < frame.length; bin++) sums[bin]! += Math.pow(10, frame[bin]! / 10);
    }
    await context.close();
    let best = 0;
    for (let bin = 1; bin < sums.length; bin++) if (sums[bin]! > sums[best]!) best = bin;
    return sums[best]! > 1e-9 ? (best * context.sampleRate) / analyser.fftSize : 0;
  }, participantId);
}
