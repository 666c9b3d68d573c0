/**
 * Keeps a room in step with the room directory: listens to the other app
 * servers' events, and reads the room whole when it opens and whenever the
 * directory comes back after an outage (events sent meanwhile are lost).
 *
 * A snapshot and the events overlap: listening starts before the read, so
 * nothing falls between them, and the events that arrive during the read
 * are held back, then only those newer than the snapshot (by version) are
 * applied after it. So a late snapshot never brings back a member whose
 * `left` arrived while it was being read. Everything is applied through
 * the room's queue, in order.
 */
import type { EventEnvelope, RoomEvent } from '../cluster/records.js';
import type { RoomDirectory, RoomSnapshot } from '../cluster/RoomDirectory.js';

/** What the room does with what the directory says. */
export interface RoomView {
  applySnapshot(snapshot: RoomSnapshot): void;
  applyEvent(event: RoomEvent): void;
}

/** Runs a change of the room's state in its queue; its failure is reported there, so the promise never rejects. */
export type RoomQueue = (change: () => void | Promise<void>) => Promise<void>;

export class RoomSync {
  /** Events held back while a snapshot is read. */
  private heldBack: EventEnvelope[] | undefined = [];
  private stopListening: (() => Promise<void>) | undefined;

  private constructor(
    private readonly directory: RoomDirectory,
    private readonly room: string,
    private readonly view: RoomView,
    private readonly queue: RoomQueue,
  ) {}

  /** Listens, then reads the room; resolves once the snapshot is applied. */
  static async start(directory: RoomDirectory, room: string, view: RoomView, queue: RoomQueue): Promise<RoomSync> {
    const sync = new RoomSync(directory, room, view, queue);
    sync.stopListening = await directory.subscribe(room, (envelope) => sync.onEvent(envelope));
    try {
      await sync.read();
    } catch (error) {
      await sync.stop();
      throw error;
    }
    return sync;
  }

  /** Reads the room again and applies what changed; call outside the room's queue (the snapshot is applied through it). */
  async read(): Promise<void> {
    this.heldBack ??= [];
    let snapshot: RoomSnapshot;
    try {
      snapshot = await this.directory.snapshot(this.room);
    } catch (error) {
      for (const envelope of this.releaseHeldBack()) void this.queue(() => this.view.applyEvent(envelope.event));
      throw error;
    }
    const heldBack = this.releaseHeldBack();
    await this.queue(() => {
      this.view.applySnapshot(snapshot);
      for (const envelope of heldBack) if (envelope.version > snapshot.version) this.view.applyEvent(envelope.event);
    });
  }

  async stop(): Promise<void> {
    const stop = this.stopListening;
    this.stopListening = undefined;
    await stop?.();
  }

  private releaseHeldBack(): EventEnvelope[] {
    const heldBack = this.heldBack ?? [];
    this.heldBack = undefined;
    return heldBack;
  }

  private onEvent(envelope: EventEnvelope): void {
    if (this.heldBack) this.heldBack.push(envelope);
    else void this.queue(() => this.view.applyEvent(envelope.event));
  }
}
