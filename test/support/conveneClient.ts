/**
 * A participant that speaks the app's public protocol from Node: POST
 * /joinCall, then the signalling WebSocket with the messages of
 * src/protocol/messages.ts. Messages are parsed with the same schemas the
 * page uses, and can be awaited by type.
 */
import WebSocket from 'ws';
import type { JoinCallReply } from '../../src/protocol/http.js';
import { ServerMessage, type ClientMessage } from '../../src/protocol/messages.js';

type MessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

interface Waiter {
  accepts: (message: ServerMessage) => boolean;
  resolve: (message: ServerMessage) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const BACKLOG_LIMIT = 200;

export async function joinCall(baseUrl: string, name: string, room: string): Promise<JoinCallReply> {
  const response = await fetch(`${baseUrl}/joinCall`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, room }),
  });
  if (!response.ok) throw new Error(`/joinCall answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as JoinCallReply;
}

export class ConveneClient {
  private readonly backlog: ServerMessage[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly listeners = new Set<(message: ServerMessage) => void>();

  private constructor(
    private readonly socket: WebSocket,
    readonly participantId: string,
  ) {
    socket.on('message', (data) => this.onMessage(data.toString()));
    socket.on('close', () => {
      for (const waiter of this.waiters) waiter.reject(new Error('the signalling socket closed'));
      this.waiters.clear();
    });
  }

  /** Opens the signalling socket with a `/joinCall` token; the welcome can then be awaited. */
  static connect(baseUrl: string, join: JoinCallReply): Promise<ConveneClient> {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(join.token)}`);
    const client = new ConveneClient(socket, join.participantId);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  /** Every message from now on, including those also awaited with `next`. */
  onEach(listener: (message: ServerMessage) => void): void {
    this.listeners.add(listener);
  }

  send(message: ClientMessage): void {
    this.socket.send(JSON.stringify(message));
  }

  /** The first message of a type (already received and not yet taken, or still to come). */
  next<T extends ServerMessage['type']>(type: T, timeoutMs = 15_000, where: (m: MessageOf<T>) => boolean = () => true): Promise<MessageOf<T>> {
    const accepts = (message: ServerMessage): boolean => message.type === type && where(message as MessageOf<T>);
    const index = this.backlog.findIndex(accepts);
    if (index >= 0) return Promise.resolve(this.backlog.splice(index, 1)[0] as MessageOf<T>);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        accepts,
        resolve: (message) => resolve(message as MessageOf<T>),
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`no '${type}' within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Leaves on purpose and waits for the socket to close. */
  async leave(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    if (this.socket.readyState === WebSocket.OPEN) this.send({ type: 'leave' });
    await closed;
  }

  private onMessage(text: string): void {
    const parsed = ServerMessage.safeParse(JSON.parse(text));
    if (!parsed.success) return;
    const message = parsed.data;
    for (const listener of this.listeners) listener(message);
    for (const waiter of this.waiters) {
      if (!waiter.accepts(message)) continue;
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
      waiter.resolve(message);
      return;
    }
    this.backlog.push(message);
    // A big room sends many messages nobody awaits (listeners handle them): keep only the recent ones.
    if (this.backlog.length > BACKLOG_LIMIT) this.backlog.shift();
  }
}
