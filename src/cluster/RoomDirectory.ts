/**
 * The shared state of every room across app servers, and the room events
 * between them. In memory when this server is alone; in Redis when
 * REDIS_URL is set, so any app server can serve any participant.
 */
import type { EventEnvelope, FeedRecord, MemberRecord, RoomEvent } from './records.js';
import type { FeedKind, RoomRules } from '../protocol/messages.js';
import type { ChatStore } from './ChatStore.js';

export interface RoomSnapshot {
  /** The room's change counter when it was read (see `EventEnvelope.version`). */
  version: number;
  members: MemberRecord[];
  /** Where each member's media lives: participant id to Janus node URL. */
  placements: Map<string, string>;
  feeds: FeedRecord[];
}

export type RoomEventListener = (envelope: EventEnvelope) => void;

/** When the shared store was lost and found again: it may have lost data, and events sent meanwhile. */
export type ConnectionListener = (state: 'lost' | 'back') => void;

/**
 * Every change is one atomic step that also tells the other app servers,
 * so no two servers' changes interleave half-way, and events reach every
 * server in the order the changes were made.
 */
export interface RoomDirectory {
  /** This app server's id, carried by the members it holds and the events it sends. */
  readonly serverId: string;
  /** The rooms' chat history, kept where the directory keeps its rooms. */
  readonly chat: ChatStore;
  /**
   * Saves a member (`member` event). A member admitted under the room's
   * password passes its digest as `access` (see `openRoom`): the room keeps
   * it, even if its last member left between the admission and this save.
   */
  saveMember(room: string, member: MemberRecord, options?: { access?: string }): Promise<void>;
  /**
   * Forgets a member with its placement and feeds (`left` event), unless a
   * server other than `heldBy` holds it now (its page moved there): then
   * nothing changes and it resolves false.
   */
  removeMember(room: string, participantId: string, heldBy: string): Promise<boolean>;
  findMember(room: string, participantId: string): Promise<MemberRecord | undefined>;
  /** The room as the live app servers hold it; members of servers that stopped answering are left out. */
  snapshot(room: string): Promise<RoomSnapshot>;
  /** Whether an app server still answers (sends its heartbeats). */
  isAlive(server: string): Promise<boolean>;
  /** Members of the room held by app servers that stopped answering. */
  orphans(room: string): Promise<Array<{ participantId: string; server: string }>>;
  /**
   * Picks the Janus node for a member's media among `candidates` (healthy
   * nodes, least loaded first) with `chooseNode`, and records it (`placed`
   * event), atomically against other placements in the room. Resolves
   * undefined when the member is gone (removed while it was being placed).
   */
  place(room: string, participantId: string, candidates: string[], capPerNode: number): Promise<string | undefined>;
  /** Writes a placement made earlier again (after the store lost its data), while the member is there. */
  recordPlacement(room: string, participantId: string, node: string): Promise<void>;
  /** Participants placed on each Janus node, over all rooms and servers. */
  nodeLoads(): Promise<Map<string, number>>;
  /** Saves a feed (`feed` event) while its publisher is a member; a late save for a member that left is dropped. */
  saveFeed(room: string, feed: FeedRecord): Promise<void>;
  removeFeed(room: string, participantId: string, feed: FeedKind): Promise<void>;
  /**
   * Records how the room was opened, by its first joiner: the digest of its
   * password, or '' for none, unless the room already has a record (kept
   * until its last member leaves). Resolves with the recorded value.
   */
  openRoom(room: string, passwordDigest: string): Promise<string>;
  /** A host's new password digest for the room ('' for none), while the room exists; joiners are checked against it from now on. */
  setAccess(room: string, passwordDigest: string): Promise<void>;
  /** The rules hosts set for the room (open rules when none were set). */
  rules(room: string): Promise<RoomRules>;
  /** Saves the room's rules while it has members (`rules` event). */
  saveRules(room: string, rules: RoomRules): Promise<void>;
  /**
   * The room's PIN for dial-in: the one it has, or a new one from `draw`
   * claimed for it, unique among the rooms of every app server (drawn
   * again while taken). It lasts as long as the room's record.
   */
  roomPin(room: string, draw: () => string): Promise<string>;
  /** The room a PIN belongs to now, if any. */
  roomOfPin(pin: string): Promise<string | undefined>;
  /** Refuses this participant's token from now on, for `seconds` (its longest remaining life). */
  revoke(participantId: string, seconds: number): Promise<void>;
  isRevoked(participantId: string): Promise<boolean>;
  /** Tells the other app servers something that changes no shared state (e.g. `ended`). */
  publish(room: string, event: RoomEvent): Promise<void>;
  onConnectionChange(listener: ConnectionListener): void;
  /** Listens to the room's events from other servers; resolves with the way to stop. */
  subscribe(room: string, listener: RoomEventListener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * Where a member's media goes: the node it is already placed on, while that
 * node is up and has room (its page moved to another app server, which
 * opens its media again: the room stays where it is); otherwise a node the
 * room already uses, while it has room under the per-node cap (0: no cap);
 * otherwise the least loaded node under the cap; when every node is full,
 * the least loaded one anyway.
 */
export function chooseNode(candidates: string[], placements: Map<string, string>, participantId: string, capPerNode: number): string {
  const roomCounts = countPerNode(placements, participantId);
  const hasRoom = (node: string): boolean => capPerNode === 0 || (roomCounts.get(node) ?? 0) < capPerNode;
  const current = placements.get(participantId);
  const chosen =
    (current !== undefined && candidates.includes(current) && hasRoom(current) ? current : undefined) ??
    candidates.find((node) => (roomCounts.get(node) ?? 0) > 0 && hasRoom(node)) ??
    candidates.find(hasRoom) ??
    candidates[0];
  if (chosen === undefined) throw new Error('no Janus node to place media on');
  return chosen;
}

/** Counts members per node in a room's placements, leaving one participant out. */
export function countPerNode(placements: Map<string, string>, except: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [participantId, node] of placements) if (participantId !== except) counts.set(node, (counts.get(node) ?? 0) + 1);
  return counts;
}
