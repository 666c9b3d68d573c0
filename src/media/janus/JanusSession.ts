/**
 * A Janus session: owns its handles and keeps itself alive. Destroying it
 * makes Janus drop every handle, which is how a participant leaves cleanly.
 */
import { EventEmitter } from 'node:events';
import type { JanusConnection } from './JanusConnection.js';
import { readId } from './JanusConnection.js';
import { JanusHandle } from './JanusHandle.js';
import type { JanusIncoming } from './janusMessages.js';

interface JanusSessionEvents {
  /** Emitted once, whether destroyed by us, timed out, or lost with the connection. */
  closed: [];
}

export class JanusSession extends EventEmitter<JanusSessionEvents> {
  private readonly handles = new Map<number, JanusHandle>();
  private readonly keepaliveTimer: NodeJS.Timeout;
  private closed = false;

  constructor(
    readonly connection: JanusConnection,
    readonly id: number,
    keepaliveIntervalMs: number,
  ) {
    super();
    this.keepaliveTimer = setInterval(() => {
      this.connection.request({ janus: 'keepalive', session_id: this.id }, 'ack').catch((error: Error) => {
        this.connection.logger.warn({ sessionId: this.id, err: error.message }, 'Janus keepalive failed');
      });
    }, keepaliveIntervalMs);
    this.keepaliveTimer.unref();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async attach(plugin: string): Promise<JanusHandle> {
    const reply = await this.connection.request({ janus: 'attach', session_id: this.id, plugin });
    const handle = new JanusHandle(this, readId(reply), plugin);
    this.handles.set(handle.id, handle);
    handle.once('closed', () => this.handles.delete(handle.id));
    return handle;
  }

  /** Asks Janus to destroy the session; always ends closed, even if Janus is gone. */
  async destroy(): Promise<void> {
    if (this.closed) return;
    try {
      await this.connection.request({ janus: 'destroy', session_id: this.id });
    } catch {
      // Already gone on the Janus side (timed out, or Janus restarted): nothing left to clean.
    } finally {
      this.markGone();
    }
  }

  /** Called by the connection when Janus reports or implies that the session no longer exists. */
  markGone(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepaliveTimer);
    for (const handle of [...this.handles.values()]) handle.markGone();
    this.handles.clear();
    this.emit('closed');
  }

  dispatch(message: JanusIncoming): void {
    if (message.janus === 'timeout') {
      this.markGone();
      return;
    }
    if (message.sender !== undefined) this.handles.get(message.sender)?.dispatch(message);
  }
}
