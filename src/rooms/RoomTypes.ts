/** What a room is made with: its settings, and the services it shares with the other rooms of this server. */
import type { ParticipantInfo, SubscriptionOffer } from '../protocol/messages.js';
import type { JanusPool } from '../media/JanusPool.js';
import type { RoomDirectory } from '../cluster/RoomDirectory.js';
import type { MediaPlacement } from '../cluster/MediaPlacement.js';
import type { FailureLog } from '../support/failures.js';
import type { VideoRoomSettings } from './NodeRooms.js';

export interface RoomSettings extends VideoRoomSettings {
  /** How long a participant whose page vanished without saying goodbye stays in the room. */
  reconnectGraceMs: number;
  /** How long a `/joinCall` reservation waits for its page to connect. */
  invitationTtlMs: number;
  /** How long a token stays valid: an ended room's tokens are refused this long. */
  tokenTtlSeconds: number;
  /** A meeting is ended this long after its room was created (the seed's maximum session length). */
  maxDurationMs: number;
  /** The number phones call to join by PIN, shown to participants; empty when this server takes no calls. */
  dialInNumber: string;
}

export interface RoomDeps {
  pool: JanusPool;
  directory: RoomDirectory;
  placement: MediaPlacement;
  settings: RoomSettings;
  failures: FailureLog;
}

/** What a page's welcome says of the room: itself, the others, and the subscription offer its media made before it connected, if any. */
export interface PageWelcome {
  self: ParticipantInfo;
  others: ParticipantInfo[];
  subscription?: SubscriptionOffer;
}
