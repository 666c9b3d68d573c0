/**
 * What hosts do in a room, and what participants do with their own hands
 * and microphones under the hosts' rules. A host's verb on a participant is
 * carried out by the app server holding that participant: here at once, or
 * through the directory's `moderate` event. Every verb from a non-host is
 * refused with `not_host` before anything changes. Called from the room's
 * queue only.
 */
import { CloseCode, type ParticipantVerb, type RoomChange, type RoomRules } from '../protocol/messages.js';
import { OPEN_RULES } from '../cluster/records.js';
import type { RoomDirectory } from '../cluster/RoomDirectory.js';
import { PageMedia } from '../media/PageMedia.js';
import { PhoneBridge } from '../media/PhoneBridge.js';
import type { FailureLog } from '../support/failures.js';
import { OPEN_ACCESS, passwordDigest } from '../auth/roomPasswords.js';
import { HostError } from './hostErrors.js';
import type { HostRole } from './HostRole.js';
import type { Lobby } from './Lobby.js';
import type { Membership } from './Membership.js';
import type { Participant } from './Participant.js';
import { assertUnreachable } from '../support/unreachable.js';

export interface ModerationDeps {
  room: string;
  directory: RoomDirectory;
  members: Membership;
  hosts: HostRole;
  lobby: Lobby;
  /** How long a removed participant's token must be refused: its longest remaining life. */
  tokenTtlSeconds: number;
  failures: FailureLog;
  /** Ends the meeting for everyone, on every app server. */
  end: (reason: string) => Promise<void>;
}

export class Moderation {
  private rules: RoomRules = OPEN_RULES;

  constructor(private readonly deps: ModerationDeps) {}

  get currentRules(): RoomRules {
    return this.rules;
  }

  /** The rules as the directory holds them (the room opened, or the directory came back), or as another server's host changed them. */
  applyRules(rules: RoomRules): void {
    if (sameRules(rules, this.rules)) return;
    this.rules = rules;
    this.deps.members.broadcast({ type: 'roomRules', rules });
  }

  /** A host's verb on another participant, wherever that participant's page is. */
  async act(actorId: string, verb: ParticipantVerb, targetId: string): Promise<void> {
    const actor = this.requireHost(actorId);
    const roster = this.deps.members.roster;
    // Admitting and denying are for those in the lobby; everything else for those in the room.
    const inLobby = verb === 'admit' || verb === 'deny';
    const found = roster.localParticipant(targetId);
    const local = found && (inLobby ? found.knocking : roster.isPresent(targetId)) ? found : undefined;
    const remote = roster.remoteMember(targetId);
    if (!local && !(remote && (inLobby ? remote.knocking === true && !remote.present : remote.present))) throw HostError.noSuchParticipant();
    // Refused everywhere before its page is closed, so it cannot come back on any app server.
    if (verb === 'remove') await this.deps.directory.revoke(targetId, this.deps.tokenTtlSeconds);
    if (local) this.carryOut(verb, local, actor.name);
    else await this.deps.directory.publish(this.deps.room, { type: 'moderate', verb, participantId: targetId, by: actor.name });
  }

  /** Another app server's host acted on a participant: carried out if it is held here. */
  onRemoteVerb(verb: ParticipantVerb, participantId: string, by: string): void {
    const participant = this.deps.members.roster.localParticipant(participantId);
    if (participant) this.carryOut(verb, participant, by);
  }

  /** A host's change of the room. */
  async change(actorId: string, change: RoomChange): Promise<void> {
    const actor = this.requireHost(actorId);
    if (change.setting === 'end') return this.deps.end(`the meeting was ended by ${actor.name}`);
    let rules: RoomRules;
    if (change.setting === 'password') {
      const { password } = change;
      await this.deps.directory.setAccess(this.deps.room, password === null ? OPEN_ACCESS : passwordDigest(this.deps.room, password));
      rules = { ...this.rules, hasPassword: password !== null };
    } else rules = { ...this.rules, [change.setting]: change.on };
    await this.deps.directory.saveRules(this.deps.room, rules);
    this.applyRules(rules);
  }

  /** Raises or lowers one's own hand; a hand raised again keeps its place. */
  setHand(participantId: string, raised: boolean): void {
    const participant = this.deps.members.roster.localParticipant(participantId);
    if (!participant || raised === (participant.handRaisedAt !== undefined)) return;
    participant.handRaisedAt = raised ? Date.now() : undefined;
    this.deps.members.changed(participant);
  }

  /**
   * The page's own mute state. Unmuting what a host stopped lifts the block,
   * unless the host locked microphones: then it is refused and nothing changes.
   */
  setOwnMute(participantId: string, audioMuted: boolean, videoMuted: boolean): void {
    const participant = this.deps.members.roster.localParticipant(participantId);
    if (!participant) return;
    if (!audioMuted && participant.blocked.audio && this.rules.micsLocked) throw HostError.microphonesLocked();
    const lifted = (!audioMuted && participant.blocked.audio) || (!videoMuted && participant.blocked.video);
    if (!audioMuted) participant.blocked.audio = false;
    if (!videoMuted) participant.blocked.video = false;
    if (lifted) this.enforce(participant);
    this.deps.members.setMuted(participantId, audioMuted, videoMuted);
  }

  private requireHost(actorId: string): Participant {
    const actor = this.deps.members.roster.localParticipant(actorId);
    if (!actor || !this.deps.hosts.isHost(actorId)) throw HostError.notHost();
    return actor;
  }

  private carryOut(verb: ParticipantVerb, participant: Participant, by: string): void {
    switch (verb) {
      case 'mute':
        participant.blocked.audio = true;
        participant.audioMuted = true;
        this.enforce(participant);
        break;
      case 'stopVideo':
        participant.blocked.video = true;
        participant.videoMuted = true;
        this.enforce(participant);
        break;
      case 'lowerHand':
        participant.handRaisedAt = undefined;
        break;
      case 'makeHost':
        participant.promoted = true;
        break;
      case 'remove':
        participant.channel?.close(CloseCode.removed, `${by} removed you from the meeting`);
        participant.channel = undefined;
        this.deps.members.remove(participant);
        return;
      case 'admit':
        return this.deps.lobby.admit(participant);
      case 'deny':
        return this.deps.lobby.deny(participant, `${by} did not let you in`);
      default:
        return assertUnreachable(verb, 'host verb');
    }
    participant.channel?.send({ type: 'moderated', verb, by });
    this.deps.members.changed(participant);
  }

  /**
   * Has Janus drop (or forward again) the participant's streams: a page's in
   * the VideoRoom, a phone's in its AudioBridge mixer. Slow work, so it is
   * not awaited in the room's queue.
   */
  private enforce(participant: Participant): void {
    const media = participant.media;
    if (!media) return; // a page's media starts with the blocks in force (see PageMedia's `blocked`)
    const { audio } = participant.blocked;
    this.deps.failures.watch(
      'cannot enforce a host mute on the media server',
      media.then(
        (session) => {
          if (session instanceof PageMedia) return session.enforceBlocks();
          if (session instanceof PhoneBridge) return session.setMuted(audio);
          return undefined;
        },
        () => undefined, // it never opened: the next one starts with the blocks in force
      ),
    );
  }
}

function sameRules(a: RoomRules, b: RoomRules): boolean {
  return a.locked === b.locked && a.micsLocked === b.micsLocked && a.lobby === b.lobby && a.hasPassword === b.hasPassword;
}
