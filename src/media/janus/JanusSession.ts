/**
 * A Janus session: owns its handles and keeps itself alive. Destroying it
 * makes Janus drop every handle, which is how a participant leaves cleanly.
 *
 * Every request of the session and its handles goes through `request`, so
 * the session knows what is on its way: Janus handles the requests of one
 * socket on several threads, in no fixed order, so a `destroy` sent while a
 * trickle or a detach is still travelling can overtake it and make Janus
 * log an unknown session. Destroying waits for those first.
 */
import { EventEmitter } from 'node:events';
import type { JanusConnection } from './JanusConnection.js';
import { readId } from './JanusConnection.js';
import { JanusHandle } from './JanusHandle.js';
import { JanusCode, JanusError } from './janusErrors.js';
import type { JanusIncoming } from './janusMessages.js';

interface JanusSessionEvents {
  /** Emitted once, whether destroyed by us, timed out, or lost with the connection. */
  closed: [];
}

type Completion = 'success' | 'ack';
type SessionState = 'open' | 'closing' | 'closed';

export class JanusSession extends EventEmitter<JanusSessionEvents> {
  private readonly handles = new Map<number, JanusHandle>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly keepaliveTimer: NodeJS.Timeout;
  private state: SessionState = 'open';

  constructor(
    readonly connection: JanusConnection,
    readonly id: number,
    keepaliveIntervalMs: number,
  ) {
    super();
    this.keepaliveTimer = setInterval(() => {
      this.request({ janus: 'keepalive' }, 'ack').catch((error: Error) => {
        if (this.state === 'open') this.connection.logger.warn({ sessionId: this.id, err: error.message }, 'Janus keepalive failed');
      });
    }, keepaliveIntervalMs);
    this.keepaliveTimer.unref();
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Whether requests may still be sent: not closed, and not being destroyed. */
  get isOpen(): boolean {
    return this.state === 'open';
  }

  /**
   * Sends a request in this session. Janus saying the session does not exist
   * (it timed out, or an operator destroyed it) closes it here too.
   */
  request(body: Record<string, unknown> & { janus: string }, completion: Completion = 'success'): Promise<JanusIncoming> {
    if (this.state !== 'open') return Promise.reject(JanusError.gone());
    const pending = this.connection.request({ ...body, session_id: this.id }, completion);
    this.inFlight.add(pending);
    pending.then(
      () => this.inFlight.delete(pending),
      (error: unknown) => {
        this.inFlight.delete(pending);
        if (error instanceof JanusError && error.is(JanusCode.sessionNotFound)) this.markGone();
      },
    );
    return pending;
  }

  async attach(plugin: string): Promise<JanusHandle> {
    const reply = await this.request({ janus: 'attach', plugin });
    const handle = new JanusHandle(this, readId(reply), plugin);
    if (this.state === 'closed') {
      handle.markGone();
      return handle;
    }
    this.handles.set(handle.id, handle);
    handle.once('closed', () => this.handles.delete(handle.id));
    return handle;
  }

  /** Asks Janus to destroy the session, once what is on its way has arrived; always ends closed, even if Janus is gone. */
  async destroy(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closing';
    clearInterval(this.keepaliveTimer);
    await Promise.allSettled([...this.inFlight]);
    try {
      if (!this.isClosed) await this.connection.request({ janus: 'destroy', session_id: this.id });
    } catch {
      // Already gone on the Janus side (timed out, or Janus restarted): nothing left to clean.
    } finally {
      this.markGone();
    }
  }

  /** Called when Janus reports or implies that the session no longer exists. */
  markGone(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
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
