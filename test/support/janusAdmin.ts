/**
 * A small client of the Janus Admin API over WebSocket, for checking what
 * Janus still holds (sessions, handles, VideoRooms, AudioBridge mixers) after a test. Our
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
const PluginError = z.object({ response: z.object({ error_code: z.number(), error: z.string() }) });
const VideoRoomParticipants = z.object({
  response: z.object({ participants: z.array(z.object({ id: z.number(), display: z.string().optional(), publisher: z.boolean() }).passthrough()) }),
});
const VideoRoomForwarders = z.object({
  response: z.object({ publishers: z.array(z.object({ publisher_id: z.number(), forwarders: z.array(z.object({ stream_id: z.number() }).passthrough()) })) }),
});
const AudioBridgeForwarders = z.object({
  response: z.object({ rtp_forwarders: z.array(z.object({ group: z.string().optional(), ip: z.string(), port: z.number() }).passthrough()) }),
});
const SubscriberInfo = z.object({
  info: z.object({
    plugin_specific: z.object({
      type: z.string().optional(),
      streams: z
        .array(
          z.object({
            feed_display: z.string().optional(),
            simulcast: z.object({ substream: z.number(), 'substream-target': z.number(), 'temporal-layer': z.number(), 'temporal-layer-target': z.number() }).optional(),
          }),
        )
        .default([]),
    }),
  }),
});
const VideoRoomRemotes = z.object({ response: z.object({ list: z.array(z.object({ remote_id: z.string() }).passthrough()) }) });

/** What a VideoRoom holds, as Janus lists it: participants (the copies of feeds from other nodes among them), forwarders, remotizations. */
export interface VideoRoomHoldings {
  participants: Array<{ id: number; display: string | undefined }>;
  /** Plain RTP forwarders (to phones), by publisher. */
  forwarders: Array<{ publisherId: number; streams: number }>;
  /** Copies of local publishers being sent to other nodes (`publish_remotely`), by publisher. */
  remotes: Array<{ publisherId: number; remoteIds: string[] }>;
}

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

  /** A request to a plugin through the Admin API; a plugin refusal (e.g. no such room) rejects. */
  async pluginRequest(plugin: string, request: Record<string, unknown>): Promise<Record<string, unknown>> {
    const reply = await this.request({ janus: 'message_plugin', plugin, request });
    const refused = PluginError.safeParse(reply);
    if (refused.success) throw new Error(`${plugin} refused ${JSON.stringify(request)}: ${refused.data.response.error} (${refused.data.response.error_code})`);
    return reply;
  }

  async audioBridgeExists(room: number): Promise<boolean> {
    return VideoRoomExists.parse(await this.pluginRequest('janus.plugin.audiobridge', { request: 'exists', room })).response.exists;
  }

  /** The AudioBridge rooms Janus holds now, read from its handles (the mixers are private, so `list` would not show them). */
  async audioBridgeRooms(): Promise<Set<number>> {
    const rooms = new Set<number>();
    for (const { info: reply } of await this.handleInfos()) {
      const info = reply as { info?: { plugin?: string; plugin_specific?: { room?: unknown } } } | undefined;
      const room = info?.info?.plugin_specific?.room;
      if (info?.info?.plugin === 'janus.plugin.audiobridge' && typeof room === 'number') rooms.add(room);
    }
    return rooms;
  }

  /** Where an AudioBridge room forwards its mixes: one entry per forwarder, with its group. */
  async audioBridgeForwarders(room: number): Promise<Array<{ group: string | undefined; ip: string; port: number }>> {
    const reply = await this.pluginRequest('janus.plugin.audiobridge', { request: 'listforwarders', room });
    return AudioBridgeForwarders.parse(reply).response.rtp_forwarders.map((f) => ({ group: f.group, ip: f.ip, port: f.port }));
  }

  /** Everything the VideoRoom `room` holds; an empty listing when the room does not exist. */
  async videoRoomHoldings(room: number): Promise<VideoRoomHoldings> {
    if (!(await this.videoRoomExists(room))) return { participants: [], forwarders: [], remotes: [] };
    const videoroom = (request: Record<string, unknown>) => this.pluginRequest('janus.plugin.videoroom', { ...request, room });
    const participants = VideoRoomParticipants.parse(await videoroom({ request: 'listparticipants' })).response.participants;
    const forwarders = VideoRoomForwarders.parse(await videoroom({ request: 'listforwarders' })).response.publishers;
    const remotes = [];
    for (const participant of participants) {
      const list = VideoRoomRemotes.parse(await videoroom({ request: 'listremotes', publisher_id: participant.id })).response.list;
      if (list.length > 0) remotes.push({ publisherId: participant.id, remoteIds: list.map((remote) => remote.remote_id) });
    }
    return {
      participants: participants.map((p) => ({ id: p.id, display: p.display })),
      forwarders: forwarders.map((f) => ({ publisherId: f.publisher_id, streams: f.forwarders.length })),
      remotes,
    };
  }

  /**
   * The simulcast layers each VideoRoom subscription relays now and is
   * switching to, one list per subscriber handle, by the publisher's display
   * name: `substream/target temporal/target`.
   */
  async simulcastLayers(): Promise<Array<Array<{ feed: string; layers: string }>>> {
    const subscribers = [];
    for (const { info: reply } of await this.handleInfos()) {
      const info = SubscriberInfo.safeParse(reply);
      if (!info.success || info.data.info.plugin_specific.type !== 'subscriber') continue;
      subscribers.push(
        info.data.info.plugin_specific.streams.flatMap(({ feed_display: feed, simulcast: s }) =>
          s && feed ? [{ feed, layers: `${s.substream}/${s['substream-target']} t${s['temporal-layer']}/${s['temporal-layer-target']}` }] : [],
        ),
      );
    }
    return subscribers;
  }

  /** `handle_info` of every handle Janus holds now, with its session (`info` undefined for a handle gone meanwhile). */
  async handleInfos(): Promise<Array<{ session: number; info: Record<string, unknown> | undefined }>> {
    const infos = [];
    for (const session of await this.listSessions()) {
      for (const handle of await this.listHandles(session)) {
        infos.push({ session, info: await this.request({ janus: 'handle_info', session_id: session, handle_id: handle }).catch(() => undefined) });
      }
    }
    return infos;
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
