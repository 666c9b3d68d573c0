/**
 * A small client of the Janus Admin API over WebSocket, for checking what
 * Janus still holds (sessions, handles, VideoRooms) after a test. Our
 * VideoRooms are private, so the VideoRoom `list` never shows them: rooms
 * are checked one by one, by id, with `exists`.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { z } from 'zod';

const Reply = z.object({ janus: z.string(), transaction: z.string().optional(), error: z.object({ code: z.number(), reason: z.string() }).optional() }).passthrough();
const Sessions = z.object({ sessions: z.array(z.number()) });
const Handles = z.object({ handles: z.array(z.number()) });
const VideoRoomExists = z.object({ response: z.object({ exists: z.boolean() }) });

export interface JanusHoldings {
  sessions: number;
  handles: number;
}

export class JanusAdmin {
  private constructor(
    private readonly socket: WebSocket,
    private readonly secret: string,
  ) {}

  static connect(admin: { url: string; secret: string }): Promise<JanusAdmin> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(admin.url, 'janus-admin-protocol');
      socket.once('open', () => resolve(new JanusAdmin(socket, admin.secret)));
      socket.once('error', reject);
    });
  }

  async request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const transaction = randomUUID();
    const reply = await new Promise<z.infer<typeof Reply>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Janus Admin API: no answer to ${JSON.stringify(body)}`)), 5_000);
      const onMessage = (data: WebSocket.RawData): void => {
        const parsed = Reply.parse(JSON.parse(data.toString()));
        if (parsed.transaction !== transaction) return;
        clearTimeout(timer);
        this.socket.off('message', onMessage);
        resolve(parsed);
      };
      this.socket.on('message', onMessage);
      this.socket.send(JSON.stringify({ ...body, transaction, admin_secret: this.secret }));
    });
    if (reply.error) throw new Error(`Janus Admin API refused ${JSON.stringify(body)}: ${reply.error.reason}`);
    return reply;
  }

  async listSessions(): Promise<number[]> {
    return Sessions.parse(await this.request({ janus: 'list_sessions' })).sessions;
  }

  async listHandles(sessionId: number): Promise<number[]> {
    return Handles.parse(await this.request({ janus: 'list_handles', session_id: sessionId })).handles;
  }

  async videoRoomExists(room: number): Promise<boolean> {
    const reply = await this.request({ janus: 'message_plugin', plugin: 'janus.plugin.videoroom', request: { request: 'exists', room } });
    return VideoRoomExists.parse(reply).response.exists;
  }

  /** Counts of what Janus holds right now. */
  async holdings(): Promise<JanusHoldings> {
    const sessions = await this.listSessions();
    let handles = 0;
    for (const session of sessions) handles += (await this.listHandles(session)).length;
    return { sessions: sessions.length, handles };
  }

  close(): void {
    this.socket.close();
  }
}
