/**
 * The rooms of this server, by name. A room exists while it has
 * participants (or reservations) and is dropped when it closes.
 */
import type { Logger } from 'pino';
import type { JanusNode } from '../media/JanusNode.js';
import { Room, type RoomSettings } from './Room.js';
import { totalStats, type RegistryStats } from './roomStats.js';

export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();

  constructor(
    private readonly node: JanusNode,
    private readonly settings: RoomSettings,
    private readonly logger: Logger,
  ) {
    let lostMedia = false;
    node.on('down', () => (lostMedia = true));
    node.on('up', () => {
      if (!lostMedia) return;
      lostMedia = false;
      for (const room of this.rooms.values()) room.resetMedia('the media server restarted');
    });
  }

  get(name: string): Room | undefined {
    return this.rooms.get(name);
  }

  getOrCreate(name: string): Room {
    let room = this.rooms.get(name);
    if (!room || room.isClosed) {
      const created = new Room(name, this.node, this.settings, this.logger);
      created.once('closed', () => {
        if (this.rooms.get(name) === created) this.rooms.delete(name);
      });
      this.rooms.set(name, created);
      room = created;
    }
    return room;
  }

  async shutdown(): Promise<void> {
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
