/**
 * Who is in a room: the participants this server holds (pages and phones,
 * with the timers that end a stay) and the members other app servers hold.
 */
import type { ParticipantInfo } from '../protocol/messages.js';
import type { MemberRecord } from '../cluster/records.js';
import type { Participant } from './Participant.js';

export class Roster {
  private readonly local = new Map<string, Participant>();
  /** Local participants the others have been told about (joined and not yet left). */
  private readonly present = new Set<string>();
  private readonly remote = new Map<string, MemberRecord>();
  /** Ends a stay: a reservation nobody used, a page that went away, a failed call's tile. */
  private readonly departures = new Map<string, NodeJS.Timeout>();

  constructor(private readonly onDeparture: (participant: Participant) => void) {}

  get localCount(): number {
    return this.local.size;
  }

  localParticipant(participantId: string): Participant | undefined {
    return this.local.get(participantId);
  }

  remoteMember(participantId: string): MemberRecord | undefined {
    return this.remote.get(participantId);
  }

  allLocal(): Participant[] {
    return [...this.local.values()];
  }

  presentLocal(): Participant[] {
    return [...this.present].flatMap((id) => this.local.get(id) ?? []);
  }

  isPresent(participantId: string): boolean {
    return this.present.has(participantId);
  }

  add(participant: Participant): void {
    this.local.set(participant.id, participant);
  }

  /** Announces a local participant; true when the room did not know them yet (they joined, rather than came back). */
  markPresent(participantId: string): boolean {
    const known = this.isKnown(participantId);
    this.present.add(participantId);
    return !known;
  }

  /** Forgets a local participant; true if the room had been told about them. */
  remove(participant: Participant): boolean {
    if (this.local.get(participant.id) !== participant) return false;
    this.cancelDeparture(participant.id);
    this.local.delete(participant.id);
    return this.present.delete(participant.id);
  }

  scheduleDeparture(participant: Participant, afterMs: number): void {
    this.cancelDeparture(participant.id);
    this.departures.set(participant.id, setTimeout(() => this.onDeparture(participant), afterMs));
  }

  cancelDeparture(participantId: string): void {
    clearTimeout(this.departures.get(participantId));
    this.departures.delete(participantId);
  }

  /** Records a member held elsewhere; true when the room did not know them yet. */
  setRemote(member: MemberRecord): boolean {
    const known = this.isKnown(member.info.participantId);
    this.remote.set(member.info.participantId, member);
    return !known;
  }

  removeRemote(participantId: string): MemberRecord | undefined {
    const member = this.remote.get(participantId);
    this.remote.delete(participantId);
    return member;
  }

  /** Members held elsewhere that the room shows. */
  presentRemote(): MemberRecord[] {
    return [...this.remote.values()].filter((m) => m.present);
  }

  /** Members held elsewhere that wait in the lobby. */
  remoteKnocks(): MemberRecord[] {
    return [...this.remote.values()].filter((m) => m.knocking === true && !m.present);
  }

  remoteIds(): string[] {
    return [...this.remote.keys()];
  }

  isKnown(participantId: string): boolean {
    return this.present.has(participantId) || this.remote.get(participantId)?.present === true;
  }

  /** Everyone the room shows, but `except`. */
  infos(except?: string): ParticipantInfo[] {
    const local = this.presentLocal().filter((p) => p.id !== except).map((p) => p.info());
    const remote = [...this.remote.values()].filter((m) => m.present && m.info.participantId !== except).map((m) => m.info);
    return [...local, ...remote];
  }

  /** Phones do not keep a room alive: whether any page is left, here or elsewhere. */
  hasBrowser(): boolean {
    return this.allLocal().some((p) => p.kind === 'browser') || [...this.remote.values()].some((m) => m.info.kind === 'browser');
  }

  /** Stops every timer; the room is closing. */
  dispose(): void {
    for (const timer of this.departures.values()) clearTimeout(timer);
    this.departures.clear();
  }
}
