/**
 * One WebSocket to the Janus API: transactions with timeouts, and routing of
 * unsolicited events to the handle they concern.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { Logger } from 'pino';
import { JanusError } from './janusErrors.js';
import { JanusIncoming, ServerInfo } from './janusMessages.js';
import { JanusSession } from './JanusSession.js';

export interface JanusConnectionOptions {
  url: string;
  apiSecret?: string;
  requestTimeoutMs?: number;
  logger: Logger;
}

/** Which reply completes a request: asynchronous plugin messages end with an event, others with success or an ack. */
type Completion = 'success' | 'ack';

interface PendingTransaction {
  request: string;
  /** The plugin request it carries (`join`, `configure`, …), for the trace log. */
  pluginRequest: unknown;
  sentAt: number;
  completion: Completion;
  resolve: (reply: JanusIncoming) => void;
  reject: (error: JanusError) => void;
  timer: NodeJS.Timeout;
}

interface JanusConnectionEvents {
  close: [];
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export class JanusConnection extends EventEmitter<JanusConnectionEvents> {
  private readonly pending = new Map<string, PendingTransaction>();
  private readonly sessions = new Map<number, JanusSession>();
  private closed = false;

  private constructor(
    private readonly socket: WebSocket,
    private readonly options: JanusConnectionOptions,
    readonly logger: Logger,
  ) {
    super();
    socket.on('message', (raw) => this.onMessage(raw.toString()));
    socket.on('close', () => this.onClose());
    socket.on('error', (error) => this.logger.warn({ err: error.message }, 'Janus socket error'));
  }

  static connect(options: JanusConnectionOptions): Promise<JanusConnection> {
    const logger = options.logger.child({ janus: options.url });
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(options.url, 'janus-protocol', { handshakeTimeout: 5_000 });
      const fail = (error: Error): void => {
        socket.removeAllListeners();
        socket.terminate();
        reject(new JanusError('disconnected', undefined, `cannot reach Janus at ${options.url}: ${error.message}`));
      };
      socket.once('error', fail);
      socket.once('open', () => {
        socket.off('error', fail);
        resolve(new JanusConnection(socket, options, logger));
      });
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  get url(): string {
    return this.options.url;
  }

  /** Sends a request and resolves with the reply that completes it; a Janus `error` rejects. */
  request(body: Record<string, unknown> & { janus: string }, completion: Completion = 'success'): Promise<JanusIncoming> {
    if (this.closed) return Promise.reject(JanusError.disconnected());
    const transaction = randomUUID();
    const timeoutMs = this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const message = { ...body, transaction, ...(this.options.apiSecret ? { apisecret: this.options.apiSecret } : {}) };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        reject(JanusError.timeout(body.janus, timeoutMs));
      }, timeoutMs);
      const pluginRequest = (body['body'] as { request?: unknown } | undefined)?.request;
      this.pending.set(transaction, { request: body.janus, pluginRequest, sentAt: performance.now(), completion, resolve, reject, timer });
      this.socket.send(JSON.stringify(message), (error) => {
        if (!error) return;
        clearTimeout(timer);
        this.pending.delete(transaction);
        reject(JanusError.disconnected());
      });
    });
  }

  async info(): Promise<ServerInfo> {
    return ServerInfo.parse(await this.request({ janus: 'info' }));
  }

  async createSession(keepaliveIntervalMs = 25_000): Promise<JanusSession> {
    const reply = await this.request({ janus: 'create' });
    const id = readId(reply);
    const session = new JanusSession(this, id, keepaliveIntervalMs);
    this.sessions.set(id, session);
    session.once('closed', () => this.sessions.delete(id));
    return session;
  }

  close(): void {
    if (this.closed) return;
    this.socket.close();
    this.onClose();
  }

  private onMessage(text: string): void {
    let parsed: JanusIncoming;
    try {
      parsed = JanusIncoming.parse(JSON.parse(text));
    } catch (error) {
      this.logger.warn({ err: String(error) }, 'ignoring a malformed message from Janus');
      return;
    }
    const pending = parsed.transaction === undefined ? undefined : this.pending.get(parsed.transaction);
    if (pending && this.completes(pending, parsed)) {
      this.logger.trace({ request: pending.request, pluginRequest: pending.pluginRequest, reply: parsed.janus, ms: Math.round(performance.now() - pending.sentAt) }, 'Janus answered');
      clearTimeout(pending.timer);
      this.pending.delete(parsed.transaction!);
      if (parsed.janus === 'error' && parsed.error) {
        pending.reject(JanusError.refused(parsed.error.code, parsed.error.reason));
      } else {
        pending.resolve(parsed);
      }
      return;
    }
    if (pending) return; // an ack before the asynchronous event that completes the request
    if (parsed.session_id !== undefined) this.sessions.get(parsed.session_id)?.dispatch(parsed);
  }

  private completes(pending: PendingTransaction, reply: JanusIncoming): boolean {
    if (reply.janus === 'error' || reply.janus === 'success' || reply.janus === 'server_info') return true;
    if (reply.janus === 'ack') return pending.completion === 'ack';
    return reply.janus === 'event';
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(JanusError.disconnected());
    }
    this.pending.clear();
    for (const session of [...this.sessions.values()]) session.markGone();
    this.sessions.clear();
    this.socket.removeAllListeners('message');
    this.emit('close');
  }
}

export function readId(reply: JanusIncoming): number {
  const id = reply.data?.['id'];
  if (typeof id !== 'number') throw new JanusError('refused', undefined, `Janus reply '${reply.janus}' carries no id`);
  return id;
}
