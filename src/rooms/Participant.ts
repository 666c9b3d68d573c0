/**
 * A person (or phone) in a room: who they are, what they show of their
 * state, and, while connected, the page's channel and their media on Janus.
 */
import { randomBytes } from 'node:crypto';
import type { ParticipantInfo, PeerConnectionId } from '../protocol/messages.js';
import type { MediaSession } from '../media/MediaSession.js';
import type { JanusNode } from '../media/JanusNode.js';
import type { PhoneCall } from '../telephony/PhoneCall.js';
import type { ParticipantChannel } from './ParticipantChannel.js';

export function newParticipantId(): string {
  return randomBytes(12).toString('base64url');
}

/** How a participant's media is opened on the node the room placed it on, and who hears when that fails. */
export interface MediaOpener {
  open(participant: Participant, node: JanusNode, janusRoom: number): Promise<MediaSession>;
  failed(participant: Participant, reason: string): void;
}

export class Participant {
  audioMuted = false;
  videoMuted = false;
  channel: ParticipantChannel | undefined;
  /** The media session being opened or open, for requests that arrive meanwhile; replaced at every (re)start. */
  media: Promise<MediaSession> | undefined;
  /** The media session once the room adopted it, and its node. */
  session: MediaSession | undefined;
  node: JanusNode | undefined;
  /** Moves on at every media start and release: a session that opens for an older one is closed at once. */
  mediaGeneration = 0;
  /** How many times a page attached: the first finds the media its reservation started. */
  pageAttachments = 0;
  /** Made a host; hosts otherwise fall to the longest present (see hosts.ts). */
  promoted = false;
  /** When the participant first joined (ms since 1970), kept when its page moves to another app server. */
  joinedAt = Date.now();
  handRaisedAt: number | undefined;
  /** Joined while the lobby was on: its page waits until a host admits it. */
  mustKnock = false;
  /** Its page waits in the lobby now. */
  knocking = false;
  /** What a host stopped: Janus drops these streams of the participant's feeds until it is lifted. */
  readonly blocked = { audio: false, video: false };
  private receivingConnections = 0;

  constructor(
    readonly id: string,
    readonly name: string,
    readonly kind: ParticipantInfo['kind'],
    readonly opener: MediaOpener,
    /** For phones: the call that brought them in. */
    readonly phone?: PhoneCall,
  ) {}

  /** Names the page's next receiving connection; never reused while the participant stays, so a late offer cannot name a live one. */
  nextPcId(): PeerConnectionId {
    this.receivingConnections += 1;
    return `sub-${this.receivingConnections}`;
  }

  info(): ParticipantInfo {
    const info: ParticipantInfo = { participantId: this.id, name: this.name, kind: this.kind, audioMuted: this.audioMuted, videoMuted: this.videoMuted };
    if (this.phone) info.call = this.phone.info();
    if (this.handRaisedAt !== undefined) info.handRaisedAt = this.handRaisedAt;
    return info;
  }
}
