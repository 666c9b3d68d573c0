/**
 * A person (or phone) in a room: who they are, what they show of their
 * state, and, while connected, the page's channel and their media on Janus.
 */
import type { ParticipantInfo } from '../protocol/messages.js';
import type { ParticipantMedia } from '../media/ParticipantMedia.js';
import type { ParticipantChannel } from './ParticipantChannel.js';

export class Participant {
  audioMuted = false;
  videoMuted = false;
  channel: ParticipantChannel | undefined;
  media: Promise<ParticipantMedia> | undefined;
  /** Set while the page is away: the participant is removed when it fires. */
  departureTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string,
    readonly name: string,
    readonly kind: ParticipantInfo['kind'] = 'browser',
  ) {}

  get isConnected(): boolean {
    return this.channel !== undefined;
  }

  info(): ParticipantInfo {
    return { participantId: this.id, name: this.name, kind: this.kind, audioMuted: this.audioMuted, videoMuted: this.videoMuted };
  }

  cancelDeparture(): void {
    clearTimeout(this.departureTimer);
    this.departureTimer = undefined;
  }
}
