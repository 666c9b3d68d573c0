/**
 * The room's phones: dialled out from a page, or called in with the room's
 * PIN (through the lobby when it is on), muted from their own keypad, and
 * hung up by id when another app server asks. Every change goes through
 * the room's queue (`request` for callers that hear the result, `change`
 * for those that do not).
 */
import type { PhoneCall } from '../telephony/PhoneCall.js';
import { LobbyRefusal, type Lobby } from './Lobby.js';
import type { Membership } from './Membership.js';
import type { Moderation } from './Moderation.js';
import type { ParticipantChannel } from './ParticipantChannel.js';
import type { RoomMedia } from './RoomMedia.js';
import { hangUpHeld } from './phoneHangUp.js';

export interface RoomPhonesDeps {
  members: Membership;
  media: RoomMedia;
  moderation: Moderation;
  lobby: Lobby;
  request: <T>(change: () => T | Promise<T>) => Promise<T>;
  change: (change: () => void | Promise<void>) => Promise<void>;
}

export class RoomPhones {
  constructor(private readonly deps: RoomPhonesDeps) {}

  /** Dials a phone into the room; resolves with its participant id. */
  dialOut(call: PhoneCall, name: string): Promise<{ participantId: string }> {
    return this.deps.request(() => {
      const participant = this.deps.members.addPhone(call, name);
      this.deps.media.start(participant);
      return { participantId: participant.id };
    });
  }

  /**
   * Brings in a phone that called with the room's PIN, as a dialled one;
   * with the lobby on, it knocks first (`waiting` is called) and enters once
   * a host admits it. Rejects with LobbyRefusal when it is turned away.
   */
  async dialIn(call: PhoneCall, name: string, waiting: () => void): Promise<{ participantId: string }> {
    const { members, media, moderation, lobby } = this.deps;
    const knocking = await this.deps.request(() => {
      if (!moderation.currentRules.lobby) return undefined;
      const participant = members.holdPhone(call, name);
      participant.mustKnock = true;
      return { participant, knock: lobby.knock(participant, phoneInLobby(call)) };
    });
    if (knocking) {
      waiting();
      await knocking.knock?.admitted;
    }
    return this.deps.request(() => {
      const participant = knocking?.participant ?? members.holdPhone(call, name);
      if (members.roster.localParticipant(participant.id) !== participant) throw new LobbyRefusal('the phone left the lobby');
      members.admitPhone(participant);
      media.start(participant);
      return { participantId: participant.id };
    });
  }

  /** A phone's own mute from its keypad (`*6`): toggled as a page's own is, so refused while a host's mute is locked; resolves with the new state. */
  toggleMute(participantId: string): Promise<boolean> {
    return this.deps.request(() => {
      const participant = this.deps.members.roster.localParticipant(participantId);
      if (!participant?.phone) return false;
      const muted = !participant.audioMuted;
      this.deps.moderation.setOwnMute(participantId, muted, participant.videoMuted);
      return muted;
    });
  }

  /** The room's phone calls on this server. */
  calls(): PhoneCall[] {
    return this.deps.members.phoneCalls();
  }

  /** Hangs up the calls among `callIds` that this server holds (the `hangUp` event it sent, see phoneHangUp.ts). */
  hangUpHere(callIds: string[]): Promise<void> {
    return this.deps.change(() => hangUpHeld(this.calls(), callIds));
  }
}

/** A phone waiting in the lobby has no page to tell: what it hears is the dial-in's to play (see dialIn/DialIn.ts); its hang-up ends its knock. */
function phoneInLobby(call: PhoneCall): ParticipantChannel {
  const closed = new Promise<{ deliberate: boolean }>((resolve) => {
    call.on('state', () => {
      if (call.isOver) resolve({ deliberate: true });
    });
  });
  return { send: () => undefined, close: () => undefined, closed };
}
