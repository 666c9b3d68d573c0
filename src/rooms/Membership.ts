/**
 * Who comes and goes in a room, and who is told: the participants this
 * server holds (pages and phones) joining, changing and leaving, and the
 * members other app servers hold, as the directory reports them. Every
 * change is told to the pages here and, through the directory, to the
 * other app servers. Called from the room's queue only.
 */
import { CloseCode, type ParticipantInfo, type ServerMessage } from '../protocol/messages.js';
import type { PhoneCall } from '../telephony/PhoneCall.js';
import type { MemberRecord } from '../cluster/records.js';
import type { RoomDirectory } from '../cluster/RoomDirectory.js';
import type { FailureLog } from '../support/failures.js';
import { newParticipantId, Participant, type MediaOpener } from './Participant.js';
import type { ParticipantChannel } from './ParticipantChannel.js';
import { Roster } from './Roster.js';
import type { RoomMedia } from './RoomMedia.js';
import type { RoomQueue } from './RoomSync.js';
import type { RoomSettings } from './RoomTypes.js';
import { phoneOpener } from './mediaOpeners.js';

/** A failed call's tile stays this long, so everyone can read why it failed. */
const FAILED_CALL_LINGER_MS = 4_000;

export interface MembershipDeps {
  room: string;
  directory: RoomDirectory;
  media: RoomMedia;
  settings: RoomSettings;
  pageOpener: MediaOpener;
  queue: RoomQueue;
  failures: FailureLog;
  /** The last participant this server held is gone. */
  onEmpty: () => void;
}

export class Membership {
  readonly roster: Roster;

  constructor(private readonly deps: MembershipDeps) {
    this.roster = new Roster((participant) => void deps.queue(() => this.remove(participant)));
  }

  /** Reserves a place for a page that will connect with the token `/joinCall` hands out (see `RoomDirectory.saveMember` on `access`), as a host or to wait in the lobby. */
  async reserve(participantId: string, name: string, access: string | undefined, entry: { host: boolean; mustKnock: boolean }): Promise<Participant> {
    const participant = this.pageParticipant(participantId, name);
    participant.promoted = entry.host;
    participant.mustKnock = entry.mustKnock;
    this.roster.add(participant);
    this.roster.scheduleDeparture(participant, this.deps.settings.invitationTtlMs);
    try {
      await this.deps.directory.saveMember(this.deps.room, this.recordOf(participant), access === undefined ? undefined : { access });
    } catch (error) {
      this.roster.remove(participant);
      throw error;
    }
    return participant;
  }

  /** Attaches a page to its participant (made again if it had gone), replacing an older page with the same token. */
  attachPage(participantId: string, name: string, channel: ParticipantChannel): { participant: Participant; self: ParticipantInfo; others: ParticipantInfo[] } {
    const participant = this.holdHere(participantId, name);
    this.roster.cancelDeparture(participantId);
    participant.channel?.close(CloseCode.replaced, 'replaced by a newer connection');
    participant.channel = channel;
    participant.pageAttachments += 1;
    if (this.roster.markPresent(participantId)) this.broadcast({ type: 'participantJoined', participant: participant.info() }, participant);
    this.share(participant);
    return { participant, self: participant.info(), others: this.roster.infos(participantId) };
  }

  /** The participant as this server holds it, made here (and taken over from the app server that held it) if need be: its page connected here. */
  holdHere(participantId: string, name: string): Participant {
    let participant = this.roster.localParticipant(participantId);
    if (!participant) {
      participant = this.pageParticipant(participantId, name);
      this.roster.add(participant);
    }
    const previous = this.roster.removeRemote(participantId);
    if (previous) {
      this.takeOver(previous);
      carryOver(previous, participant);
    }
    return participant;
  }

  /** A phone joins from its first ring: its call state shows on its tile. */
  addPhone(call: PhoneCall, name: string): Participant {
    const participant = this.holdPhone(call, name);
    this.admitPhone(participant);
    return participant;
  }

  /** A phone held here but not shown yet (a dial-in waiting in the lobby); its call's end removes it. */
  holdPhone(call: PhoneCall, name: string): Participant {
    const participant = new Participant(newParticipantId(), name, 'phone', phoneOpener(call), call);
    this.roster.add(participant);
    this.share(participant);
    call.on('state', (state) => void this.deps.queue(() => this.onCallState(participant, state)));
    return participant;
  }

  /** A held phone enters the room: everyone sees its tile. */
  admitPhone(participant: Participant): void {
    if (this.roster.markPresent(participant.id)) this.broadcast({ type: 'participantJoined', participant: participant.info() });
    this.share(participant);
  }

  /** The page went away: at once when it said so, otherwise after the reconnect grace. */
  detachPage(participantId: string, channel: ParticipantChannel, deliberate: boolean): void {
    const participant = this.roster.localParticipant(participantId);
    if (!participant || participant.channel !== channel) return;
    participant.channel = undefined;
    if (deliberate) this.remove(participant);
    else this.roster.scheduleDeparture(participant, this.deps.settings.reconnectGraceMs);
  }

  /** A knocking page went away: gone at once when it said so; otherwise its place waits the reconnect grace (it knocks again). */
  leftLobby(participant: Participant, deliberate: boolean): void {
    if (deliberate) {
      this.remove(participant);
      return;
    }
    this.changed(participant);
    this.roster.scheduleDeparture(participant, this.deps.settings.reconnectGraceMs);
  }

  setMuted(participantId: string, audioMuted: boolean, videoMuted: boolean): void {
    const participant = this.roster.localParticipant(participantId);
    if (!participant) return;
    participant.audioMuted = audioMuted;
    participant.videoMuted = videoMuted;
    this.broadcast({ type: 'participantUpdated', participant: participant.info() }, participant);
    this.share(participant);
  }

  /** Tells every page here, the participant's own included, and the other app servers, that a participant changed (its hand, a host's mute); pages only hear of those the room shows. */
  changed(participant: Participant): void {
    if (this.roster.isPresent(participant.id)) this.broadcast({ type: 'participantUpdated', participant: participant.info() });
    this.share(participant);
  }

  phoneCalls(): PhoneCall[] {
    return this.roster.allLocal().flatMap((p) => p.phone ?? []);
  }

  /** Closes every page with the reason, and lets everyone here go (their media together, see RoomMedia.release). */
  endHere(reason: string): void {
    this.deps.media.release(...this.roster.allLocal());
    for (const participant of this.roster.allLocal()) {
      participant.channel?.close(CloseCode.sessionEnded, reason);
      participant.channel = undefined;
      this.remove(participant);
    }
  }

  /** Writes back what this server holds, after the directory lost it. */
  writeBack(): void {
    for (const participant of this.roster.allLocal()) {
      this.share(participant);
      const node = participant.node;
      if (node) this.deps.failures.watch('cannot write back a placement', this.deps.directory.recordPlacement(this.deps.room, participant.id, node.url));
    }
  }

  /** The members as the directory lists them: others' are taken in, and ours that we no longer hold are removed. */
  applyMembers(members: MemberRecord[]): void {
    const listed = new Set(members.map((member) => member.info.participantId));
    for (const id of this.roster.remoteIds()) if (!listed.has(id)) this.onRemoteLeft(id, { dropCopies: false });
    for (const member of members) {
      const id = member.info.participantId;
      if (member.server !== this.deps.directory.serverId) this.onRemoteMember(member);
      else if (!this.roster.localParticipant(id)) {
        this.deps.failures.watch('cannot remove a member left behind', this.deps.directory.removeMember(this.deps.room, id, member.server));
      }
    }
  }

  onRemoteMember(member: MemberRecord): void {
    const id = member.info.participantId;
    const wasKnown = this.roster.isKnown(id);
    const local = this.roster.localParticipant(id);
    // The participant's page connected to another app server: that one holds it now, and the pages still show it.
    if (local) this.drop(local, { replacedElsewhere: true });
    this.roster.setRemote(member);
    if (member.present) this.broadcast({ type: wasKnown ? 'participantUpdated' : 'participantJoined', participant: member.info });
    if (local && this.roster.localCount === 0) this.deps.onEmpty();
  }

  /** A member held elsewhere left; with `dropCopies`, its server is gone and its feeds' copies are ours to remove. */
  onRemoteLeft(participantId: string, { dropCopies }: { dropCopies: boolean }): void {
    const member = this.roster.removeRemote(participantId);
    if (!member) return;
    this.deps.media.forgetPublisher(participantId, { dropCopies });
    this.deps.media.unplaced(participantId);
    if (member.present) this.broadcast({ type: 'participantLeft', participantId });
    this.hangUpPhonesIfNoBrowserLeft();
  }

  remove(participant: Participant): void {
    if (!this.drop(participant)) return;
    const { directory } = this.deps;
    this.deps.failures.watch('cannot remove a participant from the directory', directory.removeMember(this.deps.room, participant.id, directory.serverId));
    participant.phone?.hangUp();
    this.hangUpPhonesIfNoBrowserLeft();
    if (this.roster.localCount === 0) this.deps.onEmpty();
  }

  broadcast(message: ServerMessage, except?: Participant): void {
    for (const participant of this.roster.presentLocal()) if (participant !== except) participant.channel?.send(message);
  }

  /** A page this server now holds was held by another: a dead server's copies of its feeds are ours to remove. */
  private takeOver(previous: MemberRecord): void {
    const id = previous.info.participantId;
    const { directory, media } = this.deps;
    this.deps.failures.watch(
      'cannot take over a participant',
      directory.isAlive(previous.server).then((alive) => this.deps.queue(() => media.forgetPublisher(id, { dropCopies: !alive }))),
    );
  }

  /** Forgets a local participant here, with its media; false when it was already gone. */
  private drop(participant: Participant, { replacedElsewhere = false } = {}): boolean {
    if (this.roster.localParticipant(participant.id) !== participant) return false;
    const wasPresent = this.roster.remove(participant);
    if (replacedElsewhere) participant.channel?.close(CloseCode.replaced, 'replaced by a newer connection');
    this.deps.media.release(participant);
    this.deps.media.unplaced(participant.id);
    if (wasPresent && !replacedElsewhere) this.broadcast({ type: 'participantLeft', participantId: participant.id });
    return true;
  }

  private onCallState(participant: Participant, state: PhoneCall['state']): void {
    if (this.roster.localParticipant(participant.id) !== participant) return;
    // Pages hear of it only once it shows: a dial-in phone waiting in the lobby has no tile.
    this.changed(participant);
    if (state === 'ended') this.remove(participant);
    else if (state === 'failed') this.roster.scheduleDeparture(participant, FAILED_CALL_LINGER_MS);
  }

  /** Phones do not keep a room alive: with the last page gone, they are hung up. */
  private hangUpPhonesIfNoBrowserLeft(): void {
    if (!this.roster.hasBrowser()) for (const call of this.phoneCalls()) call.hangUp();
  }

  private pageParticipant(participantId: string, name: string): Participant {
    return new Participant(participantId, name, 'browser', this.deps.pageOpener);
  }

  private recordOf(participant: Participant): MemberRecord {
    return {
      info: participant.info(),
      server: this.deps.directory.serverId,
      present: this.roster.isPresent(participant.id),
      promoted: participant.promoted,
      joinedAt: participant.joinedAt,
      blocked: { ...participant.blocked },
      knocking: participant.knocking,
      mustKnock: participant.mustKnock,
    };
  }

  /** Saves a local participant's state; the directory tells the other app servers. */
  private share(participant: Participant): void {
    this.deps.failures.watch('cannot share a participant with the other app servers', this.deps.directory.saveMember(this.deps.room, this.recordOf(participant)));
  }
}

/** A page that moved here from another app server keeps what it had there. */
function carryOver(previous: MemberRecord, participant: Participant): void {
  participant.promoted ||= previous.promoted === true;
  participant.joinedAt = Math.min(participant.joinedAt, previous.joinedAt ?? participant.joinedAt);
  participant.handRaisedAt ??= previous.info.handRaisedAt;
  participant.mustKnock ||= previous.mustKnock === true;
  participant.blocked.audio ||= previous.blocked?.audio === true;
  participant.blocked.video ||= previous.blocked?.video === true;
}
