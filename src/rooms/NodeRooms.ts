/**
 * A meeting room's VideoRoom on each Janus node it uses. The id is the same
 * everywhere (`janusRoomIdFor`), so creating is idempotent across app
 * servers: a room another server already made is simply there.
 */
import type { Logger } from 'pino';
import type { JanusNode } from '../media/JanusNode.js';
import * as videoroom from '../media/janus/videoroom.js';
import { JanusCode, JanusError } from '../media/janus/janusErrors.js';
import { janusRoomIdFor } from './janusRoomId.js';
import type { JanusHandle } from '../media/janus/JanusHandle.js';
import { sleep } from '../support/time.js';

const EMPTY_WAIT_MS = 3_000;
const EMPTY_POLL_MS = 50;

export interface VideoRoomSettings {
  maxPublishers: number;
  bitrateBps: number;
}

export class NodeRooms {
  readonly janusRoom: number;
  private readonly created = new Map<string, Promise<void>>();

  constructor(
    private readonly roomName: string,
    private readonly settings: VideoRoomSettings,
    private readonly logger: Logger,
  ) {
    this.janusRoom = janusRoomIdFor(roomName);
  }

  ensure(node: JanusNode): Promise<void> {
    let creation = this.created.get(node.url);
    if (!creation) {
      creation = this.create(node);
      this.created.set(node.url, creation);
      const settled = creation;
      settled.catch(() => {
        if (this.created.get(node.url) === settled) this.created.delete(node.url);
      });
    }
    return creation;
  }

  /** The node lost its rooms (it restarted or went away): create again when next needed. */
  forget(node: JanusNode): void {
    this.created.delete(node.url);
  }

  /** Destroys the VideoRoom on every node this server created it on, unless someone still uses it there. */
  async destroyUnused(nodes: JanusNode[], inUse: Set<string>): Promise<void> {
    await Promise.all(
      nodes
        .filter((node) => this.created.has(node.url) && !inUse.has(node.url) && node.isUp)
        .map(async (node) => {
          this.created.delete(node.url);
          try {
            const handle = await node.controlHandle();
            await this.waitUntilEmpty(handle);
            await videoroom.destroyRoom(handle, this.janusRoom);
            this.logger.info({ janusRoom: this.janusRoom, janusNode: node.url }, 'destroyed VideoRoom');
          } catch (error) {
            if (!(error instanceof JanusError && error.is(JanusCode.videoRoomNoSuchRoom))) {
              this.logger.warn({ janusRoom: this.janusRoom, err: (error as Error).message }, 'could not destroy VideoRoom');
            }
          }
        }),
    );
  }

  /**
   * Janus answers a session's destruction before its VideoRoom handles have
   * left the room (a handle with a PeerConnection leaves from its own loop):
   * destroying the room before that makes each late leave fail.
   */
  private async waitUntilEmpty(handle: JanusHandle): Promise<void> {
    const deadline = Date.now() + EMPTY_WAIT_MS;
    while ((await videoroom.listParticipants(handle, this.janusRoom)).length > 0 && Date.now() < deadline) await sleep(EMPTY_POLL_MS);
  }

  private async create(node: JanusNode): Promise<void> {
    try {
      await videoroom.createRoom(await node.controlHandle(), {
        room: this.janusRoom,
        description: this.roomName.slice(0, 64),
        maxPublishers: this.settings.maxPublishers,
        bitrateBps: this.settings.bitrateBps,
      });
      this.logger.info({ janusRoom: this.janusRoom, janusNode: node.url }, 'created VideoRoom');
    } catch (error) {
      if (!(error instanceof JanusError && error.is(JanusCode.videoRoomRoomExists))) throw error;
    }
  }
}
