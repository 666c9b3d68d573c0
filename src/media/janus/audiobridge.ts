/**
 * Typed requests of the Janus AudioBridge plugin (janus_audiobridge.c's doc
 * block) that the phone bridge uses: rooms with forwarding groups, plain
 * RTP participants and RTP forwarders of a group's mix.
 */
import { z } from 'zod';
import type { JanusHandle } from './JanusHandle.js';
import { JanusError } from './janusErrors.js';
import type { PluginReply } from './janusMessages.js';

export const AUDIOBRIDGE_PLUGIN = 'janus.plugin.audiobridge';

export type MixCodec = 'opus' | 'pcmu' | 'pcma';

const Joined = z
  .object({
    audiobridge: z.literal('joined'),
    id: z.number(),
    rtp: z.object({ ip: z.string(), port: z.number().int().positive() }).passthrough(),
  })
  .passthrough();
const Forwarding = z.object({ audiobridge: z.literal('success'), stream_id: z.number() }).passthrough();

function parseReply<T>(schema: z.ZodType<T>, reply: PluginReply, what: string): T {
  const parsed = schema.safeParse(reply.data);
  if (!parsed.success) throw new JanusError('refused', undefined, `unexpected AudioBridge ${what} reply: ${parsed.error.message}`);
  return parsed.data;
}

export async function createRoom(handle: JanusHandle, room: number, groups: readonly string[]): Promise<void> {
  await handle.message({
    request: 'create',
    room,
    is_private: true,
    permanent: false,
    // Wideband is plenty for a phone leg, and cheaper to mix than 48 kHz.
    sampling_rate: 16000,
    allow_rtp_participants: true,
    groups,
  });
}

export async function destroyRoom(handle: JanusHandle, room: number): Promise<void> {
  await handle.message({ request: 'destroy', room, permanent: false });
}

export interface PlainRtpJoin {
  room: number;
  display: string;
  group: string;
  codec: MixCodec;
  /** Only for Opus; G.711 payload types are fixed. */
  payloadType?: number;
  /** Where the participant's share of the mix goes; omitted for participants that only feed the mix. */
  sendTo?: { ip: string; port: number };
}

/** Joins a plain RTP participant; resolves with its id in the room and the address the AudioBridge receives its RTP on. */
export async function joinPlainRtp(handle: JanusHandle, options: PlainRtpJoin): Promise<{ id: number; rtp: { ip: string; port: number } }> {
  const rtp: Record<string, unknown> = {};
  if (options.payloadType !== undefined) rtp['payload_type'] = options.payloadType;
  if (options.sendTo) Object.assign(rtp, options.sendTo);
  const reply = await handle.message({
    request: 'join',
    room: options.room,
    display: options.display,
    group: options.group,
    codec: options.codec,
    muted: false,
    rtp,
  });
  const joined = parseReply(Joined, reply, 'join');
  return { id: joined.id, rtp: { ip: joined.rtp.ip, port: joined.rtp.port } };
}

/** Leaves a participant out of the mix (or takes it back in), whatever it sends. */
export async function setMuted(handle: JanusHandle, room: number, id: number, muted: boolean): Promise<void> {
  await handle.message({ request: muted ? 'mute' : 'unmute', room, id });
}

export interface GroupForward {
  room: number;
  group: string;
  host: string;
  port: number;
  codec: MixCodec;
  payloadType?: number;
  ssrc?: number;
}

/** Forwards the mix of one group as RTP; always on, so the far end gets steady packets even in silence. */
export async function forwardGroup(handle: JanusHandle, options: GroupForward): Promise<number> {
  const reply = await handle.message({
    request: 'rtp_forward',
    room: options.room,
    group: options.group,
    host: options.host,
    port: options.port,
    codec: options.codec,
    always_on: true,
    ...(options.payloadType !== undefined ? { ptype: options.payloadType } : {}),
    ...(options.ssrc !== undefined ? { ssrc: options.ssrc } : {}),
  });
  return parseReply(Forwarding, reply, 'rtp_forward').stream_id;
}

/** Stops one forwarder of a room's mix (the `stream_id` that `forwardGroup` returned). */
export async function stopForward(handle: JanusHandle, room: number, streamId: number): Promise<void> {
  await handle.message({ request: 'stop_rtp_forward', room, stream_id: streamId });
}
