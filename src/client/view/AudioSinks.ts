/**
 * Every remote participant is heard through an audio element of its own,
 * whether or not its tile is on screen (a page shows at most a few tiles;
 * everyone's voice is heard).
 */
export class AudioSinks {
  private readonly players = new Map<string, HTMLAudioElement>();
  private outputId = '';

  constructor(private readonly container: HTMLElement) {}

  play(participantId: string, stream: MediaStream): void {
    let player = this.players.get(participantId);
    if (!player) {
      player = document.createElement('audio');
      player.autoplay = true;
      player.dataset['participantId'] = participantId;
      this.players.set(participantId, player);
      this.container.append(player);
      void this.route(player);
    }
    if (player.srcObject !== stream) player.srcObject = stream;
  }

  stop(participantId: string): void {
    this.players.get(participantId)?.remove();
    this.players.delete(participantId);
  }

  stopAll(): void {
    for (const participantId of [...this.players.keys()]) this.stop(participantId);
  }

  /** Sends every voice to the chosen output device (where the browser can choose). */
  async setOutput(deviceId: string): Promise<void> {
    this.outputId = deviceId;
    await Promise.all([...this.players.values()].map((player) => this.route(player)));
  }

  private async route(player: HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> }): Promise<void> {
    if (this.outputId) await player.setSinkId?.(this.outputId).catch(() => undefined);
  }
}
