/** The metrics' view of a running server: its rooms and its Janus nodes, read only. */
import type { JanusNode } from '../media/JanusNode.js';
import type { RoomRegistry } from '../rooms/RoomRegistry.js';
import type { StatsSource } from './ServerMetrics.js';

export function statsOf(rooms: RoomRegistry, janusNodes: JanusNode[]): StatsSource {
  return {
    async stats() {
      return { ...(await rooms.stats()), janusNodes: janusNodes.map((node) => ({ url: node.url, up: node.isUp })) };
    },
  };
}
