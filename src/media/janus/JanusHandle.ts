/**
 * A handle attached to one Janus plugin: plugin messages (with an optional
 * SDP), trickled ICE candidates, and the events Janus sends about it.
 */
import { EventEmitter } from 'node:events';
import type { JanusSession } from './JanusSession.js';
import { JanusError } from './janusErrors.js';
import type { HandleEvent, JanusIncoming, Jsep, PluginReply } from './janusMessages.js';

interface JanusHandleEvents {
  event: [HandleEvent];
  closed: [];
}

export interface TrickleCandidate {
  candidate: string;
  sdpMid?: string | null | undefined;
  sdpMLineIndex?: number | null | undefined;
}

export class JanusHandle extends EventEmitter<JanusHandleEvents> {
  private closed = false;

  constructor(
    readonly session: JanusSession,
    readonly id: number,
    readonly plugin: string,
  ) {
    super();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Sends a plugin request and resolves with the plugin's reply. A reply
   * carrying `error_code` is the plugin refusing: it rejects.
   */
  async message(body: Record<string, unknown>, jsep?: Jsep): Promise<PluginReply> {
    if (this.closed) throw JanusError.gone();
    const reply = await this.session.request({ janus: 'message', handle_id: this.id, body, ...(jsep ? { jsep } : {}) });
    const data = reply.plugindata?.data;
    if (!data) throw new JanusError('refused', undefined, `Janus '${reply.janus}' reply to a plugin message has no plugin data`);
    const errorCode = data['error_code'];
    if (typeof errorCode === 'number') throw JanusError.refused(errorCode, String(data['error'] ?? 'plugin error'));
    return { data, ...(reply.jsep ? { jsep: reply.jsep } : {}) };
  }

  /** Forwards a browser's ICE candidate; null tells Janus gathering is complete. Late candidates of a closing session are dropped. */
  async trickle(candidate: TrickleCandidate | null): Promise<void> {
    if (this.closed || !this.session.isOpen) return;
    await this.session.request({ janus: 'trickle', handle_id: this.id, candidate: candidate ?? { completed: true } }, 'ack');
  }

  /** Detaches from the plugin; a handle whose session is gone or going needs nothing more. */
  async detach(): Promise<void> {
    if (this.closed) return;
    if (this.session.isOpen) await this.session.request({ janus: 'detach', handle_id: this.id }).catch(() => undefined);
    this.markGone();
  }

  markGone(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('closed');
  }

  dispatch(message: JanusIncoming): void {
    const event = toHandleEvent(message);
    if (!event) return;
    this.emit('event', event);
    if (event.kind === 'detached') this.markGone();
  }
}

function toHandleEvent(message: JanusIncoming): HandleEvent | undefined {
  switch (message.janus) {
    case 'event':
      return message.plugindata
        ? { kind: 'plugin', reply: { data: message.plugindata.data, ...(message.jsep ? { jsep: message.jsep } : {}) } }
        : undefined;
    case 'webrtcup':
      return { kind: 'webrtcup' };
    case 'hangup':
      return { kind: 'hangup', reason: message.reason ?? 'unknown' };
    case 'media':
      return { kind: 'media', mediaType: String(message['type'] ?? ''), receiving: message['receiving'] === true };
    case 'detached':
      return { kind: 'detached' };
    default:
      return undefined;
  }
}
