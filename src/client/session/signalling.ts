/**
 * The page's side of the signalling WebSocket: typed messages out, parsed
 * messages in, and reconnection with backoff when the socket drops.
 */
import { CloseCode, ServerMessage, type Authenticate, type ClientMessage, type PeerConnectionId } from '../../protocol/messages.js';

/** `ended`: the server ended the meeting (e.g. its maximum length was reached) or a host removed us; `closed`: any other final close. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'ended' | 'closed';

export interface SignallingHandlers {
  onMessage(message: ServerMessage): void;
  onState(state: ConnectionState, detail?: string): void;
}

/** Close codes after which reconnecting cannot help. */
const FINAL_CLOSE_CODES: number[] = [CloseCode.unauthorized, CloseCode.replaced];
const MAX_RECONNECT_DELAY_MS = 5_000;

export class SignallingClient {
  private socket: WebSocket | undefined;
  private closedOnPurpose = false;
  private reconnectAttempt = 0;
  /** Why the server last closed us (e.g. "server restarting"), shown until we are back. */
  private reconnectReason: string | undefined;
  /** Messages sent while the socket is still opening go out as soon as it is open (never on a later socket). */
  private opening: string[] = [];

  /** `spare`: a socket the page opened ahead (see `openSignallingSocket`), used first if it is still open. */
  constructor(
    private readonly token: string,
    private readonly handlers: SignallingHandlers,
    private spare?: WebSocket,
  ) {}

  open(): void {
    if (this.reconnectAttempt === 0) this.handlers.onState('connecting');
    else this.handlers.onState('reconnecting', this.reconnectReason);
    const spare = this.spare;
    this.spare = undefined;
    const socket = spare && spare.readyState <= WebSocket.OPEN ? spare : openSignallingSocket();
    this.socket = socket;
    this.opening = [];
    if (socket.readyState === WebSocket.CONNECTING) {
      socket.onopen = () => {
        for (const text of this.opening) socket.send(text);
        this.opening = [];
      };
    }
    socket.onmessage = (event) => this.onMessage(event.data);
    socket.onclose = (event) => this.onClose(socket, event.code, event.reason);
    this.sendText(JSON.stringify({ type: 'authenticate', token: this.token } satisfies Authenticate));
  }

  send(message: ClientMessage): void {
    this.sendText(JSON.stringify(message));
  }

  private sendText(text: string): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(text);
    else if (this.socket?.readyState === WebSocket.CONNECTING) this.opening.push(text);
  }

  /** Leaves on purpose: the server removes us at once and we do not reconnect. */
  leave(): void {
    this.closedOnPurpose = true;
    this.send({ type: 'leave' });
    this.socket?.close(CloseCode.normal, 'left');
  }

  private onMessage(data: unknown): void {
    const message = parseServerMessage(data);
    if (!message) return;
    if (message.type === 'welcome') {
      this.reconnectAttempt = 0;
      this.reconnectReason = undefined;
      this.handlers.onState('connected');
    }
    this.handlers.onMessage(message);
  }

  private onClose(socket: WebSocket, code: number, reason: string): void {
    if (socket !== this.socket) return;
    // Ended for everyone, or for this participant by a host (removed, or not let in from the lobby).
    if (code === CloseCode.sessionEnded || code === CloseCode.removed || code === CloseCode.denied) {
      this.handlers.onState('ended', reason);
      return;
    }
    if (this.closedOnPurpose || FINAL_CLOSE_CODES.includes(code)) {
      this.handlers.onState('closed', reason || `connection closed (${code})`);
      return;
    }
    this.reconnectAttempt += 1;
    // Failed attempts close without a reason: keep showing the server's.
    if (reason) this.reconnectReason = reason;
    const delayMs = Math.min(250 * 2 ** (this.reconnectAttempt - 1), MAX_RECONNECT_DELAY_MS);
    this.handlers.onState('reconnecting', this.reconnectReason);
    setTimeout(() => this.open(), delayMs);
  }
}

/**
 * A signalling socket not yet bound to a participant: the page opens one
 * while its user is on the join form, so that joining does not wait for the
 * handshake; its first message will be `authenticate`. The server closes it
 * if that does not come within a minute, and joining then opens another.
 */
export function openSignallingSocket(): WebSocket {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return new WebSocket(`${scheme}//${location.host}/ws`);
}

/** Hears the `hello` a socket opened by `openSignallingSocket` starts with. */
export function onHello(socket: WebSocket, use: (hello: Extract<ServerMessage, { type: 'hello' }>) => void): void {
  socket.addEventListener(
    'message',
    (event) => {
      const message = parseServerMessage(event.data);
      if (message?.type === 'hello') use(message);
    },
    { once: true },
  );
}

function parseServerMessage(data: unknown): ServerMessage | undefined {
  if (typeof data !== 'string') return undefined;
  const parsed = ServerMessage.safeParse(JSON.parse(data));
  if (parsed.success) return parsed.data;
  console.warn('ignoring an unexpected message from the server', parsed.error.issues);
  return undefined;
}

/** The message that trickles one local ICE candidate of a connection (null: gathering is complete). */
export function trickleMessage(pcId: PeerConnectionId, candidate: RTCIceCandidateInit | null): ClientMessage {
  return {
    type: 'trickle',
    pcId,
    candidate: candidate && { candidate: candidate.candidate ?? '', sdpMid: candidate.sdpMid ?? null, sdpMLineIndex: candidate.sdpMLineIndex ?? null },
  };
}
