/**
 * The page's side of the signalling WebSocket: typed messages out, parsed
 * messages in, and reconnection with backoff when the socket drops.
 */
import { CloseCode, ServerMessage, type ClientMessage, type PeerConnectionId } from '../../protocol/messages.js';

/** `ended`: the server ended the meeting (e.g. its maximum length was reached); `closed`: any other final close. */
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

  constructor(
    private readonly token: string,
    private readonly handlers: SignallingHandlers,
  ) {}

  open(): void {
    if (this.reconnectAttempt === 0) this.handlers.onState('connecting');
    else this.handlers.onState('reconnecting', this.reconnectReason);
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${scheme}//${location.host}/ws?token=${encodeURIComponent(this.token)}`);
    this.socket = socket;
    socket.onmessage = (event) => this.onMessage(event.data);
    socket.onclose = (event) => this.onClose(socket, event.code, event.reason);
  }

  send(message: ClientMessage): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  /** Leaves on purpose: the server removes us at once and we do not reconnect. */
  leave(): void {
    this.closedOnPurpose = true;
    this.send({ type: 'leave' });
    this.socket?.close(CloseCode.normal, 'left');
  }

  private onMessage(data: unknown): void {
    if (typeof data !== 'string') return;
    const parsed = ServerMessage.safeParse(JSON.parse(data));
    if (!parsed.success) {
      console.warn('ignoring an unexpected message from the server', parsed.error.issues);
      return;
    }
    if (parsed.data.type === 'welcome') {
      this.reconnectAttempt = 0;
      this.reconnectReason = undefined;
      this.handlers.onState('connected');
    }
    this.handlers.onMessage(parsed.data);
  }

  private onClose(socket: WebSocket, code: number, reason: string): void {
    if (socket !== this.socket) return;
    if (code === CloseCode.sessionEnded) {
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

/** The message that trickles one local ICE candidate of a connection (null: gathering is complete). */
export function trickleMessage(pcId: PeerConnectionId, candidate: RTCIceCandidateInit | null): ClientMessage {
  return {
    type: 'trickle',
    pcId,
    candidate: candidate && { candidate: candidate.candidate ?? '', sdpMid: candidate.sdpMid ?? null, sdpMLineIndex: candidate.sdpMLineIndex ?? null },
  };
}
