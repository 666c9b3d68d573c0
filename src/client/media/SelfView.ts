/**
 * What the self-view plays: a copy of the camera's video track, at most
 * 640 px wide. A mirror needs no more, and every frame a page shows costs
 * it a copy into the compositor and a scaling: a 1280×720 camera shown
 * beside the others slowed the page while it set up its calls. What is
 * sent keeps the camera's full size: only this copy is smaller. (Its frame
 * rate stays the camera's: a lower one asked of a copy held back the
 * keyframes of what was sent, in Chromium.)
 */
const SELF_VIEW_CONSTRAINTS: MediaTrackConstraints = { width: { max: 640 } };

export class SelfView {
  private copy: MediaStreamTrack | undefined;
  private original: MediaStreamTrack | undefined;
  private stream = new MediaStream();

  /** The self-view's stream for `camera`: the same one while the camera's track is the same (a new camera's replaces it, and the old copy stops). */
  of(camera: MediaStream, enabled: boolean): MediaStream {
    const original = camera.getVideoTracks()[0];
    if (original === this.original) return this.stream;
    this.stop();
    this.original = original;
    if (!original) return this.stream;
    const copy = original.clone();
    copy.enabled = enabled;
    this.copy = copy;
    // A camera that cannot scale down still shows itself, only at its own size.
    copy.applyConstraints(SELF_VIEW_CONSTRAINTS).catch(() => undefined);
    this.stream = new MediaStream([copy]);
    return this.stream;
  }

  /** Follows the camera being turned off and on. */
  setEnabled(enabled: boolean): void {
    if (this.copy) this.copy.enabled = enabled;
  }

  private stop(): void {
    this.copy?.stop();
    this.copy = undefined;
    this.original = undefined;
    this.stream = new MediaStream();
  }
}
