/**
 * The room directory of a server that runs alone: plain maps, and no one
 * else to hear its events. Every change is synchronous, so each is atomic
 * as the Redis directory's scripts are.
 */
import { randomUUID } from 'node:crypto';
import type { FeedKind, RoomRules } from '../protocol/messages.js';
import { feedKey } from '../media/MediaSession.js';
import { OPEN_RULES, type FeedRecord, type MemberRecord } from './records.js';
import { chooseNode, type RoomDirectory, type RoomSnapshot } from './RoomDirectory.js';
import { MemoryChatStore } from './ChatStore.js';
import { PIN_CLAIM_ATTEMPTS, PinClaimError } from './roomPins.js';

interface RoomEntry {
  version: number;
  /** How the first joiner opened the room: its password digest, or '' for none. */
  access: string | undefined;
  rules: RoomRules;
  /** Its dial-in PIN, once claimed. */
  pin: string | undefined;
  members: Map<string, MemberRecord>;
  placements: Map<string, string>;
  feeds: Map<string, FeedRecord>;
}

export class MemoryRoomDirectory implements RoomDirectory {
  readonly serverId = randomUUID();
  private readonly rooms = new Map<string, RoomEntry>();
  private readonly revoked = new Map<string, number>();
  private readonly pins = new Map<string, string>();
  readonly chat = new MemoryChatStore((room) => this.rooms.has(room));

  async saveMember(room: string, member: MemberRecord, options?: { access?: string }): Promise<void> {
    const entry = this.changed(this.entry(room));
    entry.members.set(member.info.participantId, member);
    if (options?.access !== undefined) entry.access ??= options.access;
  }

  async removeMember(room: string, participantId: string, heldBy: string): Promise<boolean> {
    const entry = this.rooms.get(room);
    if (!entry) return true;
    const member = entry.members.get(participantId);
    if (member && member.server !== heldBy) return false;
    this.changed(entry).members.delete(participantId);
    entry.placements.delete(participantId);
    for (const [key, feed] of entry.feeds) if (feed.participantId === participantId) entry.feeds.delete(key);
    if (entry.members.size === 0) this.forgetRoom(room, entry);
    return true;
  }

  async findMember(room: string, participantId: string): Promise<MemberRecord | undefined> {
    return this.rooms.get(room)?.members.get(participantId);
  }

  async snapshot(room: string): Promise<RoomSnapshot> {
    const entry = this.rooms.get(room);
    return {
      version: entry?.version ?? 0,
      members: [...(entry?.members.values() ?? [])],
      placements: new Map(entry?.placements),
      feeds: [...(entry?.feeds.values() ?? [])],
    };
  }

  async isAlive(): Promise<boolean> {
    return true;
  }

  async orphans(): Promise<Array<{ participantId: string; server: string }>> {
    return [];
  }

  async place(room: string, participantId: string, candidates: string[], capPerNode: number): Promise<string | undefined> {
    const entry = this.rooms.get(room);
    if (!entry?.members.has(participantId)) return undefined;
    const node = chooseNode(candidates, entry.placements, participantId, capPerNode);
    this.changed(entry).placements.set(participantId, node);
    return node;
  }

  async recordPlacement(room: string, participantId: string, node: string): Promise<void> {
    const entry = this.rooms.get(room);
    if (entry?.members.has(participantId)) this.changed(entry).placements.set(participantId, node);
  }

  async nodeLoads(): Promise<Map<string, number>> {
    const loads = new Map<string, number>();
    for (const entry of this.rooms.values()) for (const node of entry.placements.values()) loads.set(node, (loads.get(node) ?? 0) + 1);
    return loads;
  }

  async saveFeed(room: string, feed: FeedRecord): Promise<void> {
    const entry = this.rooms.get(room);
    if (entry?.members.has(feed.participantId)) this.changed(entry).feeds.set(feedKey(feed.participantId, feed.feed), feed);
  }

  async removeFeed(room: string, participantId: string, feed: FeedKind): Promise<void> {
    const entry = this.rooms.get(room);
    if (entry?.feeds.delete(feedKey(participantId, feed))) this.changed(entry);
  }

  async openRoom(room: string, passwordDigest: string): Promise<string> {
    const entry = this.entry(room);
    entry.access ??= passwordDigest;
    return entry.access;
  }

  async setAccess(room: string, passwordDigest: string): Promise<void> {
    const entry = this.rooms.get(room);
    if (entry && entry.members.size > 0) entry.access = passwordDigest;
  }

  async rules(room: string): Promise<RoomRules> {
    const entry = this.rooms.get(room);
    // The password may be the first joiner's, which set no rules.
    return { ...(entry?.rules ?? OPEN_RULES), hasPassword: (entry?.access ?? '') !== '' };
  }

  async saveRules(room: string, rules: RoomRules): Promise<void> {
    const entry = this.rooms.get(room);
    if (entry && entry.members.size > 0) this.changed(entry).rules = rules;
  }

  async roomPin(room: string, draw: () => string): Promise<string> {
    const entry = this.entry(room);
    for (let attempt = 0; entry.pin === undefined && attempt < PIN_CLAIM_ATTEMPTS; attempt++) {
      const candidate = draw();
      if (this.pins.has(candidate)) continue;
      this.pins.set(candidate, room);
      entry.pin = candidate;
    }
    if (entry.pin === undefined) throw new PinClaimError(room);
    return entry.pin;
  }

  async roomOfPin(pin: string): Promise<string | undefined> {
    return this.pins.get(pin);
  }

  async revoke(participantId: string, seconds: number): Promise<void> {
    const now = Date.now();
    for (const [id, until] of this.revoked) if (until <= now) this.revoked.delete(id);
    this.revoked.set(participantId, now + seconds * 1000);
  }

  async isRevoked(participantId: string): Promise<boolean> {
    const until = this.revoked.get(participantId);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.revoked.delete(participantId);
    return false;
  }

  async publish(): Promise<void> {}

  onConnectionChange(): void {}

  async subscribe(): Promise<() => Promise<void>> {
    return async () => {};
  }

  async close(): Promise<void> {}

  private forgetRoom(room: string, entry: RoomEntry): void {
    this.rooms.delete(room);
    if (entry.pin !== undefined) this.pins.delete(entry.pin);
  }

  private changed(entry: RoomEntry): RoomEntry {
    entry.version += 1;
    return entry;
  }

  private entry(room: string): RoomEntry {
    let entry = this.rooms.get(room);
    if (!entry) {
      entry = { version: 0, access: undefined, rules: OPEN_RULES, pin: undefined, members: new Map(), placements: new Map(), feeds: new Map() };
      this.rooms.set(room, entry);
    }
    return entry;
  }
}
