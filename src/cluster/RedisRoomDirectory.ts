/**
 * The room directory shared by every app server through Redis.
 *
 * Keys (all under `convene:`):
 * - `room:<name>`: a hash of the room's members (`m:<id>`), their media
 *   placement (`n:<id>`), live feeds (`f:<id>:<feed>`) and how it was
 *   opened (`access`: its password digest, or empty). Servers holding
 *   members refresh its expiry, so a room nobody serves any more vanishes.
 * - `servers`: a sorted set of app servers by last heartbeat. Members of a
 *   server that missed its heartbeats are treated as gone.
 * - `load:<server>`: participants each server placed on each Janus node.
 * - `revoked:<participant>`: tokens refused until the key expires.
 * - `lock:<name>`: held while a member of the room is being placed.
 * Events travel on the pub/sub channel `events:<name>`.
 */
import { randomUUID } from 'node:crypto';
import { createClient, type RedisClientType } from '@redis/client';
import type { Logger } from 'pino';
import type { FeedKind } from '../protocol/messages.js';
import { sleep } from '../support/time.js';
import { EventEnvelope, FeedRecord, MemberRecord, feedKey, type RoomEvent } from './records.js';
import { chooseNode, countPerNode, type RoomDirectory, type RoomEventListener, type RoomSnapshot } from './RoomDirectory.js';

const PREFIX = 'convene:';
const HEARTBEAT_MS = 2_000;
/** A server silent this long is considered dead, and its members with it. */
const SERVER_DEAD_AFTER_MS = 8_000;
const ROOM_TTL_MS = 60_000;
const LOCK_TTL_MS = 3_000;
const RELEASE_LOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

const roomKey = (room: string): string => `${PREFIX}room:${room}`;
const channelOf = (room: string): string => `${PREFIX}events:${room}`;
const loadKey = (server: string): string => `${PREFIX}load:${server}`;
const SERVERS = `${PREFIX}servers`;

export class RedisRoomDirectory implements RoomDirectory {
  readonly serverId = randomUUID();
  /** Members this server holds, by room, with the node each was placed on. */
  private readonly local = new Map<string, Map<string, string | undefined>>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly reconnectListeners = new Set<() => void>();

  private constructor(
    private readonly client: RedisClientType,
    private readonly subscriber: RedisClientType,
    private readonly logger: Logger,
  ) {
    this.heartbeat = setInterval(() => void this.beat().catch((error: Error) => this.logger.warn({ err: error.message }, 'Redis heartbeat failed')), HEARTBEAT_MS);
    // Every later 'ready' follows a lost connection: Redis may have restarted empty, so everyone writes back what it holds.
    client.on('ready', () => {
      this.logger.info('Redis is reachable again; restoring what this server holds');
      void this.beat().catch(() => undefined);
      for (const listener of this.reconnectListeners) listener();
    });
  }

  static async connect(url: string, logger: Logger): Promise<RedisRoomDirectory> {
    const log = logger.child({ component: 'redis' });
    const client: RedisClientType = createClient({ url });
    client.on('error', (error: Error) => log.warn({ err: error.message }, 'Redis connection problem; retrying'));
    try {
      await client.connect();
    } catch (error) {
      throw new Error(`cannot reach Redis at ${url} (REDIS_URL): ${(error as Error).message}`);
    }
    const subscriber = client.duplicate();
    subscriber.on('error', (error: Error) => log.warn({ err: error.message }, 'Redis subscriber problem; retrying'));
    await subscriber.connect();
    const directory = new RedisRoomDirectory(client, subscriber, log);
    await directory.beat();
    log.info({ serverId: directory.serverId }, 'sharing rooms through Redis');
    return directory;
  }

  async saveMember(room: string, member: MemberRecord): Promise<void> {
    const id = member.info.participantId;
    const members = this.localMembers(room);
    if (member.server === this.serverId) {
      if (!members.has(id)) members.set(id, undefined);
    } else if (members.delete(id)) await this.writeLoad();
    await this.client.multi().hSet(roomKey(room), `m:${id}`, JSON.stringify(member)).pExpire(roomKey(room), ROOM_TTL_MS).exec();
  }

  async removeMember(room: string, participantId: string): Promise<void> {
    const all = Object.keys(await this.client.hGetAll(roomKey(room)));
    const fields = all.filter((field) => field === `m:${participantId}` || field === `n:${participantId}` || field.startsWith(`f:${participantId}:`));
    // The last member gone: the room is over, its password with it.
    if (!all.some((field) => field.startsWith('m:') && field !== `m:${participantId}`)) await this.client.del(roomKey(room));
    else if (fields.length > 0) await this.client.hDel(roomKey(room), fields);
    const members = this.local.get(room);
    if (members?.delete(participantId)) {
      if (members.size === 0) this.local.delete(room);
      await this.writeLoad();
    }
  }

  async findMember(room: string, participantId: string): Promise<MemberRecord | undefined> {
    const raw = await this.client.hGet(roomKey(room), `m:${participantId}`);
    const member = raw ? parseRecord(MemberRecord, raw) : undefined;
    if (!member) return undefined;
    return (await this.liveServers([member.server])).has(member.server) ? member : undefined;
  }

  async snapshot(room: string): Promise<RoomSnapshot> {
    const { members, placements, feeds } = await this.read(room);
    const live = await this.liveServers(members.map((m) => m.server));
    // A placement may be written a moment before its member record: only what dead servers left is dropped.
    const dead = new Set(members.filter((m) => !live.has(m.server)).map((m) => m.info.participantId));
    return {
      members: members.filter((m) => !dead.has(m.info.participantId)),
      placements: new Map([...placements].filter(([id]) => !dead.has(id))),
      feeds: feeds.filter((f) => !dead.has(f.participantId)),
    };
  }

  async orphans(room: string): Promise<string[]> {
    const { members } = await this.read(room);
    const live = await this.liveServers(members.map((m) => m.server));
    return members.filter((m) => !live.has(m.server)).map((m) => m.info.participantId);
  }

  async place(room: string, participantId: string, candidates: string[], capPerNode: number): Promise<string> {
    return this.withRoomLock(room, async () => {
      const { placements } = await this.snapshot(room);
      const node = chooseNode(candidates, countPerNode(placements, participantId), capPerNode);
      await this.client.multi().hSet(roomKey(room), `n:${participantId}`, node).pExpire(roomKey(room), ROOM_TTL_MS).exec();
      this.localMembers(room).set(participantId, node);
      await this.writeLoad();
      return node;
    });
  }

  async recordPlacement(room: string, participantId: string, node: string): Promise<void> {
    await this.client.multi().hSet(roomKey(room), `n:${participantId}`, node).pExpire(roomKey(room), ROOM_TTL_MS).exec();
  }

  async nodeLoads(): Promise<Map<string, number>> {
    const servers = await this.client.zRangeByScore(SERVERS, Date.now() - SERVER_DEAD_AFTER_MS, '+inf');
    const loads = new Map<string, number>();
    for (const server of servers) {
      for (const [node, count] of Object.entries(await this.client.hGetAll(loadKey(server)))) loads.set(node, (loads.get(node) ?? 0) + Number(count));
    }
    return loads;
  }

  async saveFeed(room: string, feed: FeedRecord): Promise<void> {
    await this.client.hSet(roomKey(room), `f:${feedKey(feed.participantId, feed.feed)}`, JSON.stringify(feed));
  }

  async removeFeed(room: string, participantId: string, feed: FeedKind): Promise<void> {
    await this.client.hDel(roomKey(room), `f:${feedKey(participantId, feed)}`);
  }

  async openRoom(room: string, passwordDigest: string): Promise<string> {
    const [, recorded] = await this.client.multi().hSetNX(roomKey(room), 'access', passwordDigest).hGet(roomKey(room), 'access').pExpire(roomKey(room), ROOM_TTL_MS).exec();
    return typeof recorded === 'string' ? recorded : passwordDigest;
  }

  async revoke(participantId: string, seconds: number): Promise<void> {
    await this.client.set(`${PREFIX}revoked:${participantId}`, '1', { expiration: { type: 'EX', value: Math.max(1, Math.ceil(seconds)) } });
  }

  async isRevoked(participantId: string): Promise<boolean> {
    return (await this.client.exists(`${PREFIX}revoked:${participantId}`)) === 1;
  }

  async publish(room: string, event: RoomEvent): Promise<void> {
    const envelope: EventEnvelope = { from: this.serverId, event };
    await this.client.publish(channelOf(room), JSON.stringify(envelope));
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.add(listener);
  }

  async subscribe(room: string, listener: RoomEventListener): Promise<() => Promise<void>> {
    const onMessage = (message: string): void => {
      const envelope = parseRecord(EventEnvelope, message);
      if (!envelope) this.logger.warn({ room }, 'ignoring a malformed room event');
      else if (envelope.from !== this.serverId) {
        try {
          listener(envelope);
        } catch (error) {
          this.logger.error({ room, event: envelope.event.type, err: (error as Error).message }, 'a room event could not be handled');
        }
      }
    };
    await this.subscriber.subscribe(channelOf(room), onMessage);
    return () => this.subscriber.unsubscribe(channelOf(room), onMessage);
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.client.multi().zRem(SERVERS, this.serverId).del(loadKey(this.serverId)).exec().catch(() => undefined);
    this.subscriber.destroy();
    this.client.destroy();
  }

  private async beat(): Promise<void> {
    const transaction = this.client.multi().zAdd(SERVERS, { score: Date.now(), value: this.serverId });
    for (const room of this.local.keys()) transaction.pExpire(roomKey(room), ROOM_TTL_MS);
    await transaction.exec();
    await this.writeLoad();
  }

  private async writeLoad(): Promise<void> {
    const loads: Record<string, number> = {};
    for (const members of this.local.values()) for (const node of members.values()) if (node) loads[node] = (loads[node] ?? 0) + 1;
    const transaction = this.client.multi().del(loadKey(this.serverId));
    if (Object.keys(loads).length > 0) transaction.hSet(loadKey(this.serverId), loads).pExpire(loadKey(this.serverId), SERVER_DEAD_AFTER_MS * 2);
    await transaction.exec();
  }

  private async read(room: string): Promise<{ members: MemberRecord[]; placements: Map<string, string>; feeds: FeedRecord[] }> {
    const hash = await this.client.hGetAll(roomKey(room));
    const members: MemberRecord[] = [];
    const placements = new Map<string, string>();
    const feeds: FeedRecord[] = [];
    for (const [field, value] of Object.entries(hash)) {
      if (field.startsWith('n:')) placements.set(field.slice(2), value);
      else if (field.startsWith('m:')) pushParsed(members, MemberRecord, value);
      else if (field.startsWith('f:')) pushParsed(feeds, FeedRecord, value);
    }
    return { members, placements, feeds };
  }

  private async liveServers(servers: string[]): Promise<Set<string>> {
    const unique = [...new Set(servers)];
    if (unique.length === 0) return new Set();
    const beats = await this.client.zmScore(SERVERS, unique);
    const threshold = Date.now() - SERVER_DEAD_AFTER_MS;
    return new Set(unique.filter((_, index) => (beats[index] ?? 0) > threshold));
  }

  private async withRoomLock<T>(room: string, work: () => Promise<T>): Promise<T> {
    const key = `${PREFIX}lock:${room}`;
    const token = randomUUID();
    while ((await this.client.set(key, token, { condition: 'NX', expiration: { type: 'PX', value: LOCK_TTL_MS } })) !== 'OK') await sleep(20);
    try {
      return await work();
    } finally {
      await this.client.eval(RELEASE_LOCK, { keys: [key], arguments: [token] });
    }
  }

  private localMembers(room: string): Map<string, string | undefined> {
    let members = this.local.get(room);
    if (!members) {
      members = new Map();
      this.local.set(room, members);
    }
    return members;
  }
}

function parseRecord<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }, raw: string): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function pushParsed<T>(into: T[], schema: Parameters<typeof parseRecord<T>>[0], raw: string): void {
  const value = parseRecord(schema, raw);
  if (value !== undefined) into.push(value);
}
