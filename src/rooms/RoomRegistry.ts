/**
 * The rooms this server serves, by name. A room exists here while this
 * server holds participants of it (or reservations) and is dropped when it
 * closes; what other app servers hold is in the room directory.
 */
import type { RoomRules } from '../protocol/messages.js';
import type { JanusNode } from '../media/JanusNode.js';
import { MediaError } from '../media/mediaErrors.js';
import { Room, type RoomDeps } from './Room.js';
import { RoomClosedError } from './roomErrors.js';
import { totalStats, type RegistryStats } from './roomStats.js';
import { hangUpRoomCalls } from './phoneHangUp.js';

/** How often rooms look for members whose app server stopped answering. */
const ORPHAN_CHECK_MS = 3_000;
/** How often `use` opens a room again that closed before its turn. */
const MAX_REOPENS = 5;

export class RoomRegistry {
  private readonly rooms = new Map<string, Promise<Room>>();
  /** The same rooms once created, for what must not wait (events, metrics). */
  private readonly created = new Map<string, Room>();
  /** Rooms that closed and are still letting go of Janus, so a new room of that name waits for them. */
  private readonly closing = new Map<string, Promise<void>>();
  private readonly orphanCheck: NodeJS.Timeout;
  private shuttingDown = false;

  constructor(private readonly deps: RoomDeps) {
    deps.pool.on('down', (node) => this.onNodeDown(node));
    deps.pool.on('up', (node) => this.onNodeUp(node));
    deps.directory.onConnectionChange((state) => {
      if (state === 'back') for (const room of this.openRooms()) deps.failures.watch(`cannot read room ${room.name} again`, room.refresh());
    });
    this.orphanCheck = setInterval(() => {
      for (const room of this.openRooms()) deps.failures.watch(`cannot check room ${room.name} for orphaned members`, room.reapOrphans());
    }, ORPHAN_CHECK_MS);
  }

  /**
   * Runs `use` on the room of that name, opening it if needed. A room that
   * closes before `use` gets its turn is opened again, so callers never
   * land in a room on its way out.
   */
  async use<T>(name: string, use: (room: Room) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await use(await this.open(name));
      } catch (error) {
        if (!(error instanceof RoomClosedError)) throw error;
        // A room closes only when its last participant leaves; one closing again and again means something is wrong.
        if (attempt >= MAX_REOPENS) throw MediaError.unavailable(`room ${name} kept closing as it was opened`);
      }
    }
  }

  /** The room of that name, created whole; a room that cannot be created is forgotten at once, so the next join tries again. */
  open(name: string): Promise<Room> {
    // Pages reconnect at once after "server restarting": they must not open rooms while the server lets go of Janus.
    if (this.shuttingDown) return Promise.reject(MediaError.unavailable('the server is shutting down'));
    const existing = this.rooms.get(name);
    if (existing) return existing;
    const opening = (this.closing.get(name) ?? Promise.resolve()).then(() => Room.create(name, this.deps));
    this.rooms.set(name, opening);
    opening.then(
      (room) => {
        this.created.set(name, room);
        room.once('closed', () => this.forget(name, opening, room.closedFully));
      },
      () => this.forget(name, opening, Promise.resolve()),
    );
    return opening;
  }

  get(name: string): Room | undefined {
    const room = this.created.get(name);
    return room?.isClosed ? undefined : room;
  }

  /** A participant's name, wherever in the cluster its page is. */
  async lookupName(room: string, participantId: string): Promise<string | undefined> {
    return (await this.deps.directory.findMember(room, participantId))?.info.name;
  }

  /** Members of the room on every app server, reservations included. */
  async memberCount(room: string): Promise<number> {
    return (await this.deps.directory.snapshot(room)).members.length;
  }

  /** Hangs up the room's live phone calls, or only `callId`, on whichever app servers hold them; resolves with their ids. */
  hangUpCalls(room: string, callId: string | undefined): Promise<string[]> {
    return hangUpRoomCalls({ directory: this.deps.directory, localRoom: (name) => this.get(name) }, room, callId);
  }

  /** The rules the room's hosts set. */
  rules(room: string): Promise<RoomRules> {
    return this.deps.directory.rules(room);
  }

  /** The room a dial-in PIN belongs to, on any app server. */
  roomOfPin(pin: string): Promise<string | undefined> {
    return this.deps.directory.roomOfPin(pin);
  }

  /** See `RoomDirectory.openRoom`. */
  openRoom(room: string, passwordDigest: string): Promise<string> {
    return this.deps.directory.openRoom(room, passwordDigest);
  }

  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    clearInterval(this.orphanCheck);
    await Promise.all([...this.rooms.values()].map((opening) => opening.then((room) => room.shutdown(), () => undefined)));
  }

  get count(): number {
    return this.rooms.size;
  }

  /** A read-only count over every open room, for the metrics. */
  async stats(): Promise<RegistryStats> {
    return totalStats(await Promise.all(this.openRooms().map((room) => room.stats())));
  }

  /** The rooms that are open now (created, not closed). */
  private openRooms(): Room[] {
    return [...this.created.values()].filter((room) => !room.isClosed);
  }

  private forget(name: string, opening: Promise<Room>, released: Promise<void>): void {
    if (this.rooms.get(name) !== opening) return;
    this.rooms.delete(name);
    this.created.delete(name);
    this.closing.set(name, released);
    void released.then(() => {
      if (this.closing.get(name) === released) this.closing.delete(name);
    });
  }

  private onNodeDown(node: JanusNode): void {
    const rooms = this.openRooms();
    this.deps.failures.logger.warn(
      { janusNode: node.url, rooms: rooms.length, healthyNodes: this.deps.pool.healthy().length },
      this.deps.pool.isUp ? 'a Janus node is down: its pages move to the other nodes' : 'no Janus node is up: pages wait until one is back',
    );
    for (const room of rooms) this.deps.failures.watch(`room ${room.name} cannot handle the node going down`, room.nodeDown(node));
  }

  private onNodeUp(node: JanusNode): void {
    for (const room of this.openRooms()) this.deps.failures.watch(`room ${room.name} cannot handle the node coming back`, room.nodeUp(node));
  }
}
