/**
 * A person (or phone) in a room: who they are, what they show of their
 * state, and, while connected, the page's channel and their media on Janus.
 */
import { randomBytes } from 'node:crypto';
import type { ParticipantInfo } from '../protocol/messages.js';
import type { ParticipantMedia } from '../media/ParticipantMedia.js';
import type { JanusNode } from '../media/JanusNode.js';
import type { PhoneCall } from '../telephony/PhoneCall.js';
import type { ParticipantChannel } from './ParticipantChannel.js';

export function newParticipantId(): string {
  return randomBytes(12).toString('base64url');
}

export class Participant {
  audioMuted = false;
  videoMuted = false;
  channel: ParticipantChannel | undefined;
  media: Promise<ParticipantMedia> | undefined;
  /** The Janus node the participant's media is placed on. */
  node: JanusNode | undefined;
  /** For phones: the call that brought them in. */
  phone: PhoneCall | undefined;
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
    const info: ParticipantInfo = { participantId: this.id, name: this.name, kind: this.kind, audioMuted: this.audioMuted, videoMuted: this.videoMuted };
    if (this.phone) info.call = this.phone.info();
    return info;
  }

  cancelDeparture(): void {
    clearTimeout(this.departureTimer);
    this.departureTimer = undefined;
  }
}
