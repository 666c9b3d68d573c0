/**
 * Client for baresip's ctrl_tcp module. The wire format (baresip 1.0):
 * each message is a netstring `LEN:JSON,` in both directions.
 *   we send      {"command":"dial","params":"sip:…","token":"7"}
 *   it answers   {"response":true,"ok":true,"data":"…","token":"7"}
 *   it pushes    {"event":true,"type":"CALL_ESTABLISHED","accountaor":"…",
 *                 "direction":"incoming","peeruri":"…","id":"<Call-ID>","param":"…"}
 * Commands are the menu module's (dial, hangup, accept, uafind, …).
 */
import { connect, type Socket } from 'node:net';

export interface BaresipEvent {
  readonly type: string;
  readonly accountAor: string | undefined;
  readonly direction: 'incoming' | 'outgoing' | undefined;
  readonly peerUri: string | undefined;
  /** The SIP Call-ID; absent on the first event of an outgoing call. */
  readonly callId: string | undefined;
  readonly param: string | undefined;
}

interface PendingCommand {
  readonly resolve: (data: string) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const connectRetryMs = 50;

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function parseEvent(message: Record<string, unknown>): BaresipEvent | undefined {
  if (typeof message['type'] !== 'string') return undefined;
  const direction = message['direction'];
  return {
    type: message['type'],
    accountAor: optionalString(message['accountaor']),
    direction: direction === 'incoming' || direction === 'outgoing' ? direction : undefined,
    peerUri: optionalString(message['peeruri']),
    callId: optionalString(message['id']),
    param: optionalString(message['param']),
  };
}

export class BaresipCtrl {
  private buffer = Buffer.alloc(0);
  private nextToken = 1;
  private readonly pending = new Map<string, PendingCommand>();
  private readonly eventListeners = new Set<(event: BaresipEvent) => void>();

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('close', () => this.failPending(new Error('baresip ctrl_tcp connection closed')));
    socket.on('error', () => {
      // 'close' follows and fails what is pending.
    });
  }

  /** Retries until the port accepts, which happens once baresip is ready. */
  static async connect(port: number, timeoutMs: number, isDead: () => boolean): Promise<BaresipCtrl> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const socket = await new Promise<Socket | undefined>((resolve) => {
        const attempt = connect(port, '127.0.0.1');
        attempt.once('connect', () => resolve(attempt));
        attempt.once('error', () => resolve(undefined));
      });
      if (socket) return new BaresipCtrl(socket);
      if (isDead()) throw new Error('baresip exited before its ctrl_tcp port opened');
      if (Date.now() > deadline) throw new Error(`ctrl_tcp port ${port} did not open in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, connectRetryMs));
    }
  }

  onEvent(listener: (event: BaresipEvent) => void): void {
    this.eventListeners.add(listener);
  }

  /** Runs a menu command; resolves with its output, rejects when baresip says it failed. */
  command(command: string, params = '', timeoutMs = 5000): Promise<string> {
    const token = String(this.nextToken++);
    const body = Buffer.from(JSON.stringify({ command, params, token }), 'utf8');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error(`baresip command ${command} got no response in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(token, { resolve, reject, timer });
      this.socket.write(Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const colon = this.buffer.indexOf(':');
      if (colon < 0) return;
      const length = Number(this.buffer.subarray(0, colon).toString('ascii'));
      if (!Number.isInteger(length)) throw new Error('baresip ctrl_tcp sent a malformed netstring');
      const end = colon + 1 + length;
      if (this.buffer.length < end + 1) return;
      const json = this.buffer.subarray(colon + 1, end).toString('utf8');
      this.buffer = this.buffer.subarray(end + 1);
      this.onMessage(JSON.parse(json) as Record<string, unknown>);
    }
  }

  private onMessage(message: Record<string, unknown>): void {
    if (message['response'] === true) {
      const token = optionalString(message['token']) ?? '';
      const pending = this.pending.get(token);
      if (!pending) return;
      this.pending.delete(token);
      clearTimeout(pending.timer);
      const data = optionalString(message['data']) ?? '';
      if (message['ok'] === true) pending.resolve(data);
      else pending.reject(new Error(`baresip command failed: ${data.trim()}`));
      return;
    }
    if (message['event'] !== true) return;
    const event = parseEvent(message);
    if (event) for (const listener of this.eventListeners) listener(event);
  }

  private failPending(error: Error): void {
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
  }
}
