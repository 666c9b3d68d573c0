/**
 * Chooses the Janus node for a participant's media: the room's own node
 * while it has room, otherwise the least loaded healthy one (see
 * `chooseNode`), recorded in the directory so every app server agrees.
 */
import type { JanusNode } from '../media/JanusNode.js';
import type { JanusPool } from '../media/JanusPool.js';
import { MediaError } from '../media/mediaErrors.js';
import type { RoomDirectory } from './RoomDirectory.js';

export class MediaPlacement {
  constructor(
    private readonly pool: JanusPool,
    private readonly directory: RoomDirectory,
    /** Participants per node and room before the room spills onto another node; 0: no limit. */
    private readonly capPerNode: number,
  ) {}

  /** The node for the participant's media, or undefined when the participant left while it was placed. */
  async place(room: string, participantId: string): Promise<JanusNode | undefined> {
    const healthy = this.pool.healthy();
    if (healthy.length === 0) throw MediaError.unavailable('no Janus node is up');
    const loads = await this.directory.nodeLoads();
    const candidates = healthy.map((node) => node.url).sort((a, b) => (loads.get(a) ?? 0) - (loads.get(b) ?? 0));
    const url = await this.directory.place(room, participantId, candidates, this.capPerNode);
    return url === undefined ? undefined : this.pool.node(url);
  }
}
