/**
 * The room's lobby. While a host has it on, a page that `/joinCall` let in
 * does not enter at once: it knocks, and waits (its welcome held back)
 * until a host on any app server admits it, or denies it, or no host
 * answers within five minutes. Hosts see the knocks of every app server,
 * through the member records the directory shares (`knocking`), and a new
 * host is told of them at once. The lobby owns every knock's timer and
 * ends them all when the room closes. Called from the room's queue only.
 */
import { CloseCode, type Knock, type ServerMessage } from '../protocol/messages.js';
import type { Membership } from './Membership.js';
import type { HostRole } from './HostRole.js';
import type { Participant } from './Participant.js';
import type { ParticipantChannel } from './ParticipantChannel.js';
import type { RoomQueue } from './RoomSync.js';

/** A knock nobody answers is turned away after this long. */
export const KNOCK_TIMEOUT_MS = 5 * 60_000;

interface Knocking {
  participant: Participant;
  channel: ParticipantChannel;
  admit: () => void;
  turnAway: (error: LobbyRefusal) => void;
  timer: NodeJS.Timeout;
}

export interface LobbyDeps {
  members: Membership;
  hosts: HostRole;
  queue: RoomQueue;
}

export class Lobby {
  private readonly knocks = new Map<string, Knocking>();
  /** The knocks the hosts here were last told of. */
  private told = '';

  constructor(private readonly deps: LobbyDeps) {}

  /**
   * Holds a page that must knock: `admitted` settles when a host admits it
   * (or rejects when it is turned away); undefined when it may enter now.
   * (Wrapped, so that the room's queue returns it rather than waiting for it.)
   */
  knock(participant: Participant, channel: ParticipantChannel): { admitted: Promise<void> } | undefined {
    if (!participant.mustKnock) return undefined;
    const earlier = this.knocks.get(participant.id);
    if (earlier) {
      // The same person's page knocks again (it reconnected): it keeps its place and its deadline.
      clearTimeout(earlier.timer);
      earlier.channel.close(CloseCode.replaced, 'replaced by a newer connection');
      earlier.turnAway(new LobbyRefusal('replaced by a newer connection'));
    } else {
      participant.knocking = true;
      // The knock's own deadline replaces the reservation's.
      this.deps.members.roster.cancelDeparture(participant.id);
      this.deps.members.changed(participant);
    }
    channel.send({ type: 'knocking' });
    const admitted = new Promise<void>((admit, turnAway) => {
      const timer = setTimeout(() => void this.deps.queue(() => this.deny(participant, 'no host let you in within 5 minutes')), KNOCK_TIMEOUT_MS);
      this.knocks.set(participant.id, { participant, channel, admit, turnAway, timer });
    });
    void channel.closed.then(({ deliberate }) => this.deps.queue(() => this.walkedAway(participant, channel, deliberate)));
    return { admitted };
  }

  /** A knocking page closed: its knock ends, and the hosts no longer see it (see Membership.leftLobby for its place). */
  private walkedAway(participant: Participant, channel: ParticipantChannel, deliberate: boolean): void {
    if (this.knocks.get(participant.id)?.channel !== channel) return;
    this.take(participant)?.turnAway(new LobbyRefusal('left the lobby'));
    this.deps.members.leftLobby(participant, deliberate);
  }

  /** Lets a knocking page in: its welcome follows. */
  admit(participant: Participant): void {
    const knock = this.take(participant);
    if (!knock) return;
    participant.mustKnock = false;
    knock.admit();
  }

  /** Turns a knocking page away: it is told why, and its place is given up. */
  deny(participant: Participant, reason: string): void {
    const knock = this.take(participant);
    if (!knock) return;
    knock.channel.close(CloseCode.denied, reason);
    knock.turnAway(new LobbyRefusal(reason));
    this.deps.members.remove(participant);
  }

  /** Tells the hosts here who knocks, when that changed or the hosts did; called after every change of the room. */
  announce(hostsChanged: boolean): void {
    const message = this.message();
    const key = JSON.stringify(message.knocks);
    if (key === this.told && !hostsChanged) return;
    this.told = key;
    const hosts = new Set(this.deps.hosts.hosts());
    for (const participant of this.deps.members.roster.presentLocal()) if (hosts.has(participant.id)) participant.channel?.send(message);
  }

  /** What a host's page is told of the lobby. */
  message(): Extract<ServerMessage, { type: 'lobby' }> {
    return { type: 'lobby', knocks: this.list() };
  }

  /** The meeting ended, or the server is going down: the knocking pages are told (`code` says which) and their places given up. */
  closeAll(code: number, reason: string): void {
    for (const { participant } of [...this.knocks.values()]) {
      const knock = this.take(participant);
      knock?.channel.close(code, reason);
      knock?.turnAway(new LobbyRefusal(reason));
    }
  }

  /** The room is closing: every knock ends with it. */
  dispose(): void {
    for (const knock of this.knocks.values()) {
      clearTimeout(knock.timer);
      knock.turnAway(new LobbyRefusal('the meeting ended'));
    }
    this.knocks.clear();
  }

  /** Who knocks on every app server, oldest first. */
  private list(): Knock[] {
    const roster = this.deps.members.roster;
    const local = roster.allLocal().filter((p) => p.knocking).map((p) => ({ participantId: p.id, name: p.name, at: p.joinedAt }));
    const remote = roster.remoteKnocks().map((m) => ({ participantId: m.info.participantId, name: m.info.name, at: m.joinedAt ?? 0 }));
    return [...local, ...remote].sort((a, b) => a.at - b.at).map(({ participantId, name }) => ({ participantId, name }));
  }

  private take(participant: Participant): Knocking | undefined {
    const knock = this.knocks.get(participant.id);
    if (!knock) return undefined;
    this.knocks.delete(participant.id);
    clearTimeout(knock.timer);
    participant.knocking = false;
    return knock;
  }
}

/** A knocking page was not let in; it was told why when its socket was closed. */
export class LobbyRefusal extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'LobbyRefusal';
  }
}
