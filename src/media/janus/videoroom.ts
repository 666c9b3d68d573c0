/**
 * Typed requests of the Janus VideoRoom plugin (janus_videoroom.c's doc
 * block), and parsers for the replies we depend on.
 */
import { z } from 'zod';
import type { JanusHandle } from './JanusHandle.js';
import { JanusError } from './janusErrors.js';
import type { Jsep, PluginReply } from './janusMessages.js';
import { sleep } from '../../support/time.js';

export const VIDEOROOM_PLUGIN = 'janus.plugin.videoroom';

export interface RoomOptions {
  room: number;
  description: string;
  maxPublishers: number;
  bitrateBps: number;
}

const Joined = z.object({ videoroom: z.literal('joined'), id: z.number() }).passthrough();
const Attached = z.object({ videoroom: z.literal('attached') }).passthrough();
const Participants = z
  .object({
    videoroom: z.literal('participants'),
    participants: z.array(z.object({ id: z.number(), publisher: z.boolean(), display: z.string().optional() }).passthrough()),
  })
  .passthrough();
const Exists = z.object({ videoroom: z.literal('success'), exists: z.boolean() }).passthrough();

function requireJsep(reply: PluginReply, what: string): Jsep {
  if (!reply.jsep) throw new JanusError('refused', undefined, `VideoRoom ${what} carries no SDP`);
  return reply.jsep;
}

function parseReply<T>(schema: z.ZodType<T>, reply: PluginReply, what: string): T {
  const parsed = schema.safeParse(reply.data);
  if (!parsed.success) throw new JanusError('refused', undefined, `unexpected VideoRoom ${what} reply: ${parsed.error.message}`);
  return parsed.data;
}

export async function createRoom(handle: JanusHandle, options: RoomOptions): Promise<void> {
  await handle.message({
    request: 'create',
    room: options.room,
    description: options.description,
    publishers: options.maxPublishers,
    bitrate: options.bitrateBps,
    audiocodec: 'opus',
    videocodec: 'vp8,h264',
    is_private: true,
    notify_joining: false,
    permanent: false,
  });
}

export async function destroyRoom(handle: JanusHandle, room: number): Promise<void> {
  await handle.message({ request: 'destroy', room, permanent: false });
}

/** Whether a room exists; unlike `list`, this also sees our rooms, which are private. */
export async function roomExists(handle: JanusHandle, room: number): Promise<boolean> {
  return parseReply(Exists, await handle.message({ request: 'exists', room }), 'exists').exists;
}

export async function listParticipants(handle: JanusHandle, room: number): Promise<z.infer<typeof Participants>['participants']> {
  return parseReply(Participants, await handle.message({ request: 'listparticipants', room }), 'listparticipants').participants;
}

export interface PublisherIdentity {
  /** The publisher's id in the room: what subscribers ask for as `feed`. */
  feedId: number;
}

export async function joinAsPublisher(handle: JanusHandle, room: number, display: string): Promise<PublisherIdentity> {
  const joined = parseReply(Joined, await handle.message({ request: 'join', ptype: 'publisher', room, display }), 'join');
  return { feedId: joined.id };
}

/** Publishes (or renegotiates) with the browser's offer; resolves with Janus's answer. */
export async function publish(handle: JanusHandle, offer: Jsep, firstTime: boolean): Promise<Jsep> {
  const reply = await handle.message({ request: firstTime ? 'publish' : 'configure' }, offer);
  return requireJsep(reply, 'publish');
}

export async function unpublish(handle: JanusHandle): Promise<void> {
  await handle.message({ request: 'unpublish' });
}

/** Joins as a subscriber to one publisher's streams; resolves with Janus's offer for the browser. */
export async function joinAsSubscriber(handle: JanusHandle, room: number, feedId: number): Promise<Jsep> {
  const reply = await handle.message({ request: 'join', ptype: 'subscriber', room, streams: [{ feed: feedId }] });
  parseReply(Attached, reply, 'subscriber join');
  return requireJsep(reply, 'subscriber join');
}

export async function startSubscription(handle: JanusHandle, answer: Jsep): Promise<void> {
  await handle.message({ request: 'start' }, answer);
}

/** Makes Janus drop (or forward again) one stream of a publisher, for its subscribers and forwarders alike, whatever the browser sends. */
export async function moderate(handle: JanusHandle, room: number, feedId: number, mid: string, mute: boolean): Promise<void> {
  await handle.message({ request: 'moderate', room, id: feedId, mid, mute });
}

export async function leave(handle: JanusHandle): Promise<void> {
  await handle.message({ request: 'leave' });
}

const RemotePublisher = z
  .object({ videoroom: z.literal('success'), id: z.number(), port: z.number().int().positive(), rtcp_port: z.number().int().nonnegative().optional() })
  .passthrough();

/** Janus matches a remote publisher's RTP to its streams by SSRC: this base plus ten per m-line index. */
export const REMOTE_PUBLISHER_BASE_SSRC = 1000;
/** The one stream of an audio-only remote publisher. */
export const REMOTE_AUDIO_MID = '0';
/** The Opus payload type Janus offers subscribers, so forwarded Opus must carry it. */
export const OPUS_PAYLOAD_TYPE = 111;

/**
 * Adds a publisher whose audio arrives as plain RTP instead of WebRTC (here:
 * a phone, mixed by the AudioBridge). Subscribers see it as any other feed.
 */
export async function addAudioOnlyRemotePublisher(handle: JanusHandle, room: number, display: string): Promise<{ feedId: number; port: number }> {
  const { feedId, port } = await addRemotePublisher(handle, room, display, [{ type: 'audio', mindex: 0, mid: REMOTE_AUDIO_MID, codec: 'opus' }]);
  return { feedId, port };
}

const REMOTE_PUBLISHER_LISTED_WITHIN_MS = 5_000;
const REMOTE_PUBLISHER_POLL_MS = 10;

/**
 * Janus 1.1.2 answers `add_remote_publisher` before the publisher is in the
 * room: its own thread puts it there a moment later. Until then a
 * subscriber's join fails with "No such feed" (428), so a new remote
 * publisher is only handed out once the room lists it.
 */
async function waitUntilListed(handle: JanusHandle, room: number, feedId: number): Promise<void> {
  const deadline = Date.now() + REMOTE_PUBLISHER_LISTED_WITHIN_MS;
  while (!(await listParticipants(handle, room)).some((participant) => participant.id === feedId)) {
    if (Date.now() > deadline) throw new JanusError('timeout', undefined, `remote publisher ${feedId} did not join room ${room} within ${REMOTE_PUBLISHER_LISTED_WITHIN_MS} ms`);
    await sleep(REMOTE_PUBLISHER_POLL_MS);
  }
}

/** One stream of a feed published on another node, as that node's publisher described it. */
export interface RemoteStreamSpec {
  type: 'audio' | 'video';
  mid: string;
  mindex: number;
  codec: string;
  /** Video sent as three simulcast layers: a copy keeps them all, so subscribers there choose too. */
  simulcast?: boolean;
}

/** Makes a place for a feed published on another node; that node sends its RTP (and we our RTCP back) to the ports returned. */
export async function addRemotePublisher(
  handle: JanusHandle,
  room: number,
  display: string,
  streams: RemoteStreamSpec[],
): Promise<{ feedId: number; port: number; rtcpPort: number | undefined }> {
  const reply = await handle.message({ request: 'add_remote_publisher', room, display, streams });
  const added = parseReply(RemotePublisher, reply, 'add_remote_publisher');
  try {
    await waitUntilListed(handle, room, added.id);
  } catch (error) {
    await removeRemotePublisher(handle, room, added.id).catch(() => undefined);
    throw error;
  }
  return { feedId: added.id, port: added.port, rtcpPort: added.rtcp_port || undefined };
}

/** Sends a local publisher's streams to a remote publisher on another node (`remoteId` names this copy). */
export async function publishRemotely(
  handle: JanusHandle,
  room: number,
  feedId: number,
  remoteId: string,
  to: { host: string; port: number; rtcpPort: number | undefined },
): Promise<void> {
  await handle.message({
    request: 'publish_remotely',
    room,
    publisher_id: feedId,
    remote_id: remoteId,
    host: to.host,
    port: to.port,
    ...(to.rtcpPort ? { rtcp_port: to.rtcpPort } : {}),
  });
}

export async function removeRemotePublisher(handle: JanusHandle, room: number, feedId: number): Promise<void> {
  await handle.message({ request: 'remove_remote_publisher', room, id: feedId });
}

const Forwarders = z
  .object({ videoroom: z.literal('rtp_forward'), forwarders: z.array(z.object({ stream_id: z.number() }).passthrough()).min(1) })
  .passthrough();

/**
 * Forwards one publisher's audio stream as plain RTP, with the payload type
 * rewritten to Opus's usual one; resolves with the forwarder's stream id,
 * which `stopRtpForward` needs (a forwarder lives as long as its publisher).
 */
export async function forwardAudio(handle: JanusHandle, room: number, feedId: number, mid: string, to: { host: string; port: number }): Promise<number> {
  const reply = await handle.message({
    request: 'rtp_forward',
    room,
    publisher_id: feedId,
    host: to.host,
    streams: [{ mid, port: to.port, pt: OPUS_PAYLOAD_TYPE }],
  });
  return parseReply(Forwarders, reply, 'rtp_forward').forwarders[0]!.stream_id;
}

export async function stopRtpForward(handle: JanusHandle, room: number, feedId: number, streamId: number): Promise<void> {
  await handle.message({ request: 'stop_rtp_forward', room, publisher_id: feedId, stream_id: streamId });
}

/** Stops sending a local publisher's streams to the remote publisher `remoteId` names (see `publishRemotely`). */
export async function unpublishRemotely(handle: JanusHandle, room: number, feedId: number, remoteId: string): Promise<void> {
  await handle.message({ request: 'unpublish_remotely', room, publisher_id: feedId, remote_id: remoteId });
}
