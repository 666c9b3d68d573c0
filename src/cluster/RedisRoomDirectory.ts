/**
 * The room directory shared by every app server through Redis.
 *
 * Keys (all under `convene:`):
 * - `room:<name>`: a hash of the room's members (`m:<id>`), their media
 *   placement (`n:<id>`), live feeds (`f:<id>:<feed>`), how it was opened
 *   (`access`: its password digest, or empty) and a placement counter
 *   (`pv`), and the rules its hosts set (`rules`). Servers holding members refresh its expiry, so a room nobody
 *   serves any more vanishes.
 * - `version:<name>`: the room's change counter (see redisScripts.ts).
 * - `servers`: a sorted set of app servers by last heartbeat. Members of a
 *   server that missed its heartbeats are treated as gone.
 * - `load:<server>`: participants each server placed on each Janus node.
 * - `revoked:<participant>`: tokens refused until the key expires.
 * - `pin:<pin>`: the room a dial-in PIN belongs to, claimed with set-if-absent
 *   and kept in the room's hash (`pin`) too; it expires with the room and
 *   goes with the room's hash when its last member leaves.
 * - `chat:<name>`: the room's chat history (see RedisChatStore), expiring with the room.
 * Events travel on the pub/sub channel `events:<name>`, published by the
 * same scripts that make the changes they report.
 *
 * Commands are not queued while Redis is unreachable: they fail at once, so
 * callers can answer "try again" instead of hanging. When Redis is back,
 * every server writes back what it holds and reads its rooms again
 * (`onConnectionChange`), which also covers events missed meanwhile.
 */
import { randomUUID } from 'node:crypto';
import { createClient, type RedisClientType } from '@redis/client';
import { RoomRules, type FeedKind } from '../protocol/messages.js';
import { feedKey } from '../media/MediaSession.js';
import type { FailureLog } from '../support/failures.js';
import { EventEnvelope, FeedRecord, MemberRecord, OPEN_RULES, type RoomEvent } from './records.js';
import { chooseNode, type ConnectionListener, type RoomDirectory, type RoomEventListener, type RoomSnapshot } from './RoomDirectory.js';
import { directoryScripts, type ScriptTarget } from './redisScripts.js';
import { RedisConnectionWatch } from './RedisConnectionWatch.js';
import { parseRecord } from './parseRecord.js';
import { chatKey, RedisChatStore } from './RedisChatStore.js';
import { PIN_CLAIM_ATTEMPTS, PinClaimError } from './roomPins.js';

const PREFIX = 'convene:';
const HEARTBEAT_MS = 2_000;
/** A server silent this long is considered dead, and its members with it. */
const SERVER_DEAD_AFTER_MS = 8_000;
const ROOM_TTL_MS = 60_000;
/** Placements of one room made at the same moment retry until each sees the others; each attempt lets one of them in. */
const PLACE_ATTEMPTS = 50;
const COMMAND_TIMEOUT_MS = 5_000;

const roomKey = (room: string): string => `${PREFIX}room:${room}`;
const versionKey = (room: string): string => `${PREFIX}version:${room}`;
const channelOf = (room: string): string => `${PREFIX}events:${room}`;
const loadKey = (server: string): string => `${PREFIX}load:${server}`;
const SERVERS = `${PREFIX}servers`;
const PIN_PREFIX = `${PREFIX}pin:`;
const pinKey = (pin: string): string => `${PIN_PREFIX}${pin}`;

type DirectoryClient = RedisClientType<{}, {}, typeof directoryScripts>;

interface RoomRead {
  version: number;
  placementVersion: string;
  members: MemberRecord[];
  placements: Map<string, string>;
  feeds: FeedRecord[];
}

export class RedisRoomDirectory implements RoomDirectory {
  readonly serverId = randomUUID();
  /** Members this server holds, by room, with the node each was placed on. */
  private readonly local = new Map<string, Map<string, string | undefined>>();
  private readonly heartbeat: NodeJS.Timeout;
  /** The PINs of the rooms this server holds members of, whose keys its heartbeat keeps alive. */
  private readonly pins = new Map<string, string>();
  readonly chat: RedisChatStore;

  private constructor(
    private readonly client: DirectoryClient,
    private readonly subscriber: DirectoryClient,
    private readonly watch: RedisConnectionWatch,
    private readonly failures: FailureLog,
  ) {
    this.chat = new RedisChatStore(client, roomKey, ROOM_TTL_MS, failures);
    this.heartbeat = setInterval(() => {
      // While Redis is away the watch has said so once; a failed beat would only repeat it.
      if (watch.isUp) failures.watch('Redis heartbeat failed', this.beat());
    }, HEARTBEAT_MS);
    watch.onChange((state) => {
      if (state === 'back') failures.watch('Redis heartbeat failed', this.beat());
    });
  }

  /** Connects, or gives up after `timeoutMs` (the client itself would retry for ever). */
  static async connect(url: string, failures: FailureLog, timeoutMs: number): Promise<RedisRoomDirectory> {
    const log = failures.child({ component: 'redis' });
    const client: DirectoryClient = createClient({
      url,
      scripts: directoryScripts,
      disableOfflineQueue: true,
      // A Redis that accepts the connection but never answers must not hang a join.
      commandOptions: { timeout: COMMAND_TIMEOUT_MS },
    });
    const subscriber = client.duplicate();
    let directory: RedisRoomDirectory | undefined;
    const watch = new RedisConnectionWatch(url, [client, subscriber], () => directory?.rooms() ?? 0, log.logger);
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    });
    try {
      await Promise.race([Promise.all([client.connect(), subscriber.connect()]), giveUp]);
    } catch (error) {
      client.destroy();
      subscriber.destroy();
      throw new Error(`cannot reach Redis at ${watch.address} (REDIS_URL): ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    directory = new RedisRoomDirectory(client, subscriber, watch, log);
    await directory.beat();
    log.logger.info({ serverId: directory.serverId }, 'sharing rooms through Redis');
    return directory;
  }

  async saveMember(room: string, member: MemberRecord, options?: { access?: string }): Promise<void> {
    const id = member.info.participantId;
    const members = this.localMembers(room);
    if (member.server === this.serverId) {
      if (!members.has(id)) members.set(id, undefined);
    } else if (members.delete(id)) await this.writeLoad();
    await this.client.setField(this.target(room, { type: 'member', member }), `m:${id}`, JSON.stringify(member), ROOM_TTL_MS, '', options?.access);
  }

  async removeMember(room: string, participantId: string, heldBy: string): Promise<boolean> {
    const removed = (await this.client.removeMember(this.target(room, { type: 'left', participantId }), participantId, heldBy)) === 1;
    const members = this.local.get(room);
    if (removed && members?.delete(participantId)) {
      if (members.size === 0) {
        this.local.delete(room);
        this.pins.delete(room);
      }
      await this.writeLoad();
    }
    return removed;
  }

  async findMember(room: string, participantId: string): Promise<MemberRecord | undefined> {
    const raw = await this.client.hGet(roomKey(room), `m:${participantId}`);
    const member = raw ? parseRecord(MemberRecord, raw) : undefined;
    if (!member) return undefined;
    return (await this.liveServers([member.server])).has(member.server) ? member : undefined;
  }

  async snapshot(room: string): Promise<RoomSnapshot> {
    const { version, members, placements, feeds } = await this.readLive(room);
    return { version, members, placements, feeds };
  }

  async isAlive(server: string): Promise<boolean> {
    return (await this.liveServers([server])).has(server);
  }

  async orphans(room: string): Promise<Array<{ participantId: string; server: string }>> {
    const { members } = await this.read(room);
    const live = await this.liveServers(members.map((m) => m.server));
    return members.filter((m) => !live.has(m.server)).map((m) => ({ participantId: m.info.participantId, server: m.server }));
  }

  async place(room: string, participantId: string, candidates: string[], capPerNode: number): Promise<string | undefined> {
    for (let attempt = 0; attempt < PLACE_ATTEMPTS; attempt++) {
      const { placements, placementVersion } = await this.readLive(room);
      const node = chooseNode(candidates, placements, participantId, capPerNode);
      const outcome = await this.client.place(this.target(room, { type: 'placed', participantId, node }), participantId, node, placementVersion);
      if (outcome === 'gone') return undefined;
      if (outcome === 'placed') {
        this.localMembers(room).set(participantId, node);
        await this.writeLoad();
        return node;
      }
    }
    throw new Error(`cannot place a participant of room ${room}: its placements kept changing`);
  }

  async recordPlacement(room: string, participantId: string, node: string): Promise<void> {
    await this.client.setField(this.target(room, { type: 'placed', participantId, node }), `n:${participantId}`, node, ROOM_TTL_MS, `m:${participantId}`);
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
    const field = `f:${feedKey(feed.participantId, feed.feed)}`;
    await this.client.setField(this.target(room, { type: 'feed', feed }), field, JSON.stringify(feed), ROOM_TTL_MS, `m:${feed.participantId}`);
  }

  async removeFeed(room: string, participantId: string, feed: FeedKind): Promise<void> {
    await this.client.deleteField(this.target(room, { type: 'feedGone', participantId, feed }), `f:${feedKey(participantId, feed)}`);
  }

  async openRoom(room: string, passwordDigest: string): Promise<string> {
    const [, recorded] = await this.client.multi().hSetNX(roomKey(room), 'access', passwordDigest).hGet(roomKey(room), 'access').pExpire(roomKey(room), ROOM_TTL_MS).exec();
    return typeof recorded === 'string' ? recorded : passwordDigest;
  }

  async setAccess(room: string, passwordDigest: string): Promise<void> {
    // Only while the room exists: it has an access record from its first joiner on.
    if (await this.client.hExists(roomKey(room), 'access')) await this.client.hSet(roomKey(room), 'access', passwordDigest);
  }

  async rules(room: string): Promise<RoomRules> {
    const [raw, access] = await this.client.hmGet(roomKey(room), ['rules', 'access']);
    const rules = (raw ? parseRecord(RoomRules, raw) : undefined) ?? OPEN_RULES;
    // The password may be the first joiner's, which set no rules.
    return { ...rules, hasPassword: typeof access === 'string' && access !== '' };
  }

  async saveRules(room: string, rules: RoomRules): Promise<void> {
    // Only while the room exists: every room with members has its `access` record (see openRoom).
    await this.client.setField(this.target(room, { type: 'rules', rules }), 'rules', JSON.stringify(rules), ROOM_TTL_MS, 'access');
  }

  async roomPin(room: string, draw: () => string): Promise<string> {
    for (let attempt = 0; attempt < PIN_CLAIM_ATTEMPTS; attempt++) {
      const current = await this.client.hGet(roomKey(room), 'pin');
      if (current) return this.rememberPin(room, current);
      const candidate = draw();
      if ((await this.client.set(pinKey(candidate), room, { condition: 'NX', expiration: { type: 'PX', value: ROOM_TTL_MS } })) === null) continue;
      const [won] = await this.client.multi().hSetNX(roomKey(room), 'pin', candidate).pExpire(roomKey(room), ROOM_TTL_MS).exec<'typed'>();
      if (won) return this.rememberPin(room, candidate);
      // Another server claimed one for this room at the same moment: theirs stands.
      await this.client.del(pinKey(candidate));
    }
    throw new PinClaimError(room);
  }

  async roomOfPin(pin: string): Promise<string | undefined> {
    const room = await this.client.get(pinKey(pin));
    if (!room) return undefined;
    // A key outliving its room (the room's hash expired first) names nothing.
    return (await this.client.hGet(roomKey(room), 'pin')) === pin ? room : undefined;
  }

  async revoke(participantId: string, seconds: number): Promise<void> {
    await this.client.set(`${PREFIX}revoked:${participantId}`, '1', { expiration: { type: 'EX', value: Math.max(1, Math.ceil(seconds)) } });
  }

  async isRevoked(participantId: string): Promise<boolean> {
    return (await this.client.exists(`${PREFIX}revoked:${participantId}`)) === 1;
  }

  async publish(room: string, event: RoomEvent): Promise<void> {
    await this.client.notify(this.target(room, event));
  }

  onConnectionChange(listener: ConnectionListener): void {
    this.watch.onChange(listener);
  }

  async subscribe(room: string, listener: RoomEventListener): Promise<() => Promise<void>> {
    const onMessage = (message: string): void => {
      const envelope = parseRecord(EventEnvelope, message);
      if (!envelope) this.failures.report(`ignoring a malformed event of room ${room}`, new Error(message.slice(0, 200)));
      else if (envelope.from !== this.serverId) listener(envelope);
    };
    await this.subscriber.subscribe(channelOf(room), onMessage);
    return () => this.subscriber.unsubscribe(channelOf(room), onMessage);
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.watch.stop();
    if (this.watch.isUp) await this.client.multi().zRem(SERVERS, this.serverId).del(loadKey(this.serverId)).exec().catch(() => undefined);
    this.subscriber.destroy();
    this.client.destroy();
  }

  /** Rooms this server holds members of, for the connection warnings. */
  private rooms(): number {
    return this.local.size;
  }

  private rememberPin(room: string, pin: string): string {
    this.pins.set(room, pin);
    return pin;
  }

  private target(room: string, event: RoomEvent): ScriptTarget {
    return {
      pinKeyPrefix: PIN_PREFIX,
      roomKey: roomKey(room),
      versionKey: versionKey(room),
      lifetimeMs: ROOM_TTL_MS,
      channel: channelOf(room),
      envelope: JSON.stringify({ from: this.serverId, event }),
    };
  }

  private async beat(): Promise<void> {
    const transaction = this.client.multi().zAdd(SERVERS, { score: Date.now(), value: this.serverId });
    for (const room of this.local.keys()) transaction.pExpire(roomKey(room), ROOM_TTL_MS).pExpire(versionKey(room), ROOM_TTL_MS).pExpire(chatKey(room), ROOM_TTL_MS);
    for (const [room, pin] of this.pins) if (this.local.has(room)) transaction.pExpire(pinKey(pin), ROOM_TTL_MS);
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

  /** The room without what dead servers left behind. */
  private async readLive(room: string): Promise<RoomRead> {
    const read = await this.read(room);
    const live = await this.liveServers(read.members.map((m) => m.server));
    const dead = new Set(read.members.filter((m) => !live.has(m.server)).map((m) => m.info.participantId));
    return {
      ...read,
      members: read.members.filter((m) => !dead.has(m.info.participantId)),
      placements: new Map([...read.placements].filter(([id]) => !dead.has(id))),
      feeds: read.feeds.filter((f) => !dead.has(f.participantId)),
    };
  }

  private async read(room: string): Promise<RoomRead> {
    const [hash, version] = await this.client.multi().hGetAll(roomKey(room)).get(versionKey(room)).exec<'typed'>();
    const read: RoomRead = { version: Number(version ?? 0), placementVersion: '0', members: [], placements: new Map(), feeds: [] };
    for (const [field, value] of Object.entries(hash)) {
      if (field === 'pv') read.placementVersion = value;
      else if (field.startsWith('n:')) read.placements.set(field.slice(2), value);
      else if (field.startsWith('m:')) pushParsed(read.members, MemberRecord, value);
      else if (field.startsWith('f:')) pushParsed(read.feeds, FeedRecord, value);
    }
    return read;
  }

  private async liveServers(servers: string[]): Promise<Set<string>> {
    const unique = [...new Set(servers)];
    if (unique.length === 0) return new Set();
    const beats = await this.client.zmScore(SERVERS, unique);
    const threshold = Date.now() - SERVER_DEAD_AFTER_MS;
    return new Set(unique.filter((_, index) => (beats[index] ?? 0) > threshold));
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

function pushParsed<T>(into: T[], schema: Parameters<typeof parseRecord<T>>[0], raw: string): void {
  const value = parseRecord(schema, raw);
  if (value !== undefined) into.push(value);
}
