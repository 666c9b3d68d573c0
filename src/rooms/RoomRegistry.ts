/**
 * The rooms this server serves, by name. A room exists here while this
 * server holds participants of it (or reservations) and is dropped when it
 * closes; what other app servers hold is in the room directory.
 */
import type { Logger } from 'pino';
import type { JanusPool } from '../media/JanusPool.js';
import type { RoomDirectory } from '../cluster/RoomDirectory.js';
import type { MediaPlacement } from '../cluster/MediaPlacement.js';
import { Room, type RoomSettings } from './Room.js';
import { MediaError } from '../media/mediaErrors.js';
import { totalStats, type RegistryStats } from './roomStats.js';

export interface RoomRegistryDeps {
  pool: JanusPool;
  directory: RoomDirectory;
  placement: MediaPlacement;
  settings: RoomSettings;
  logger: Logger;
}

/** How often rooms look for members whose app server stopped answering. */
const ORPHAN_CHECK_MS = 3_000;

export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();
  /** Rooms that closed and are still letting go of Janus, so a new room of that name waits for them. */
  private readonly closing = new Map<string, Promise<void>>();
  private readonly orphanCheck: NodeJS.Timeout;
  private shuttingDown = false;

  constructor(private readonly deps: RoomRegistryDeps) {
    deps.pool.on('down', (node) => {
      for (const room of this.rooms.values()) room.nodeDown(node);
    });
    deps.pool.on('up', (node) => {
      for (const room of this.rooms.values()) room.nodeUp(node);
    });
    deps.directory.onReconnect(() => {
      for (const room of this.rooms.values()) room.restoreShared();
    });
    this.orphanCheck = setInterval(() => {
      for (const room of this.rooms.values()) {
        room.reapOrphans().catch((error: Error) => deps.logger.warn({ room: room.name, err: error.message }, 'cannot check for orphaned members'));
      }
    }, ORPHAN_CHECK_MS);
  }

  get(name: string): Room | undefined {
    return this.rooms.get(name);
  }

  /**
   * The room of that name, ready and open. Use it at once, with nothing
   * awaited in between: a room that closes while it was loading is replaced.
   */
  async open(name: string): Promise<Room> {
    // Pages reconnect at once after "server restarting": they must not open rooms while the server lets go of Janus.
    if (this.shuttingDown) throw MediaError.unavailable('the server is shutting down');
    for (;;) {
      const room = this.getOrCreate(name);
      await room.ready;
      if (!room.isClosed) return room;
    }
  }

  private getOrCreate(name: string): Room {
    let room = this.rooms.get(name);
    if (!room || room.isClosed) {
      const created = new Room(name, { ...this.deps, previousClose: this.closing.get(name) ?? Promise.resolve() });
      created.once('closed', () => {
        if (this.rooms.get(name) === created) this.rooms.delete(name);
        const released = created.closedFully;
        this.closing.set(name, released);
        void released.then(() => {
          if (this.closing.get(name) === released) this.closing.delete(name);
        });
      });
      this.rooms.set(name, created);
      room = created;
    }
    return room;
  }

  /** A participant's name, wherever in the cluster its page is. */
  async lookupName(room: string, participantId: string): Promise<string | undefined> {
    return (await this.deps.directory.findMember(room, participantId))?.info.name;
  }

  /** Members of the room on every app server, reservations included. */
  async memberCount(room: string): Promise<number> {
    return (await this.deps.directory.snapshot(room)).members.length;
  }

  /** See `RoomDirectory.openRoom`. */
  openRoom(room: string, passwordDigest: string): Promise<string> {
    return this.deps.directory.openRoom(room, passwordDigest);
  }


  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    clearInterval(this.orphanCheck);
    await Promise.all([...this.rooms.values()].map((room) => room.shutdown()));
  }

  get count(): number {
    return this.rooms.size;
  }

  /** A read-only count over every open room, for the metrics. */
  async stats(): Promise<RegistryStats> {
    const open = [...this.rooms.values()].filter((room) => !room.isClosed);
    return totalStats(await Promise.all(open.map((room) => room.stats())));
  }
}
