/**
 * Who hosts a room. Everyone a host made a host (or who joined with the
 * operator's secret) is one; while none of them is present, the page that
 * has been in the room longest hosts it, so a room has a host from its
 * first page on, and the role passes on when its last host leaves. Every
 * app server works this out alike from the members the directory shares,
 * so no server has to hand the role over. The server holding a page that
 * became host this way marks it made host, so it stays one when others are
 * made hosts after it.
 */
import type { ServerMessage } from '../protocol/messages.js';
import type { Participant } from './Participant.js';
import type { Roster } from './Roster.js';

interface Candidate {
  participantId: string;
  promoted: boolean;
  joinedAt: number;
}

export class HostRole {
  /** The hosts the pages here were last told of. */
  private told: string[] = [];

  constructor(
    private readonly roster: Roster,
    private readonly broadcast: (message: ServerMessage) => void,
    /** A participant here was marked made host: tell the pages and the other servers. */
    private readonly promoted: (participant: Participant) => void,
  ) {}

  /** The hosts now, in a stable order. */
  hosts(): string[] {
    const candidates: Candidate[] = [
      ...this.roster.presentLocal().filter((p) => p.kind === 'browser').map((p) => ({ participantId: p.id, promoted: p.promoted, joinedAt: p.joinedAt })),
      ...this.roster
        .presentRemote()
        .filter((m) => m.info.kind === 'browser')
        .map((m) => ({ participantId: m.info.participantId, promoted: m.promoted === true, joinedAt: m.joinedAt ?? Number.MAX_SAFE_INTEGER })),
    ];
    candidates.sort((a, b) => a.joinedAt - b.joinedAt || a.participantId.localeCompare(b.participantId));
    const promoted = candidates.filter((c) => c.promoted);
    return (promoted.length > 0 ? promoted : candidates.slice(0, 1)).map((c) => c.participantId);
  }

  isHost(participantId: string): boolean {
    return this.hosts().includes(participantId);
  }

  /** What a page that just connected is told. */
  message(): ServerMessage {
    return { type: 'hosts', participantIds: this.hosts() };
  }

  /** Tells the pages here when the hosts changed, and says whether they did; called after every change of the room. */
  refresh(): boolean {
    const hosts = this.hosts();
    for (const id of hosts) {
      const participant = this.roster.localParticipant(id);
      if (!participant || participant.promoted) continue;
      participant.promoted = true;
      this.promoted(participant);
    }
    if (hosts.length === this.told.length && hosts.every((id, index) => id === this.told[index])) return false;
    this.told = hosts;
    this.broadcast({ type: 'hosts', participantIds: hosts });
    return true;
  }
}
