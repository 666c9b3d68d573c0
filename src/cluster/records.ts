/**
 * What app servers share about a room, in Redis or in memory: its members,
 * where their media lives, the feeds they publish (and the copies of each
 * feed on other Janus nodes), and the events that keep every server's view
 * of the room current. Everything read back is parsed with these schemas.
 */
import { z } from 'zod';
import { ChatMessage, FeedKind, ParticipantId, ParticipantInfo, ParticipantVerb, Reaction, RoomRules } from '../protocol/messages.js';

/** A participant as every server sees it; `server` is the app server holding its page (or its phone call). */
export const MemberRecord = z.object({
  info: ParticipantInfo,
  server: z.string(),
  /** Announced to the room: false while only reserved by `/joinCall`, before its page connects. */
  present: z.boolean(),
  /** Made a host (by a host, or by the operator's secret at `/joinCall`). */
  promoted: z.boolean().optional(),
  /** When the participant first joined (ms since 1970): the longest present hosts when no one else does. */
  joinedAt: z.number().optional(),
  /** Joined while the lobby was on and not admitted yet: its page must knock, on whichever app server it connects to. */
  mustKnock: z.boolean().optional(),
  /** Waiting in the lobby for a host to admit it. */
  knocking: z.boolean().optional(),
  /** What a host stopped of its media (see Participant.blocked). */
  blocked: z.object({ audio: z.boolean(), video: z.boolean() }).optional(),
});
export type MemberRecord = z.infer<typeof MemberRecord>;

/** One stream of a published feed, as a remote publisher on another node must describe it. */
export const FeedStream = z.object({
  type: z.enum(['audio', 'video']),
  mid: z.string(),
  mindex: z.number().int().min(0),
  codec: z.string(),
  simulcast: z.boolean().optional(),
});
export type FeedStream = z.infer<typeof FeedStream>;

/**
 * A live feed. It is published on its `origin` node; `copies` maps every
 * node that carries it (the origin included) to its feed id there, so a
 * subscriber on any of those nodes subscribes locally.
 */
export const FeedRecord = z.object({
  participantId: ParticipantId,
  feed: FeedKind,
  audioMid: z.string().optional(),
  origin: z.string(),
  copies: z.record(z.string(), z.number().int()),
  streams: z.array(FeedStream),
  /** Its video's full picture and whether it has simulcast layers, for choosing the layer each tile needs. */
  video: z.object({ width: z.number().int().positive(), height: z.number().int().positive(), simulcast: z.boolean() }).optional(),
});
export type FeedRecord = z.infer<typeof FeedRecord>;

/** A room's rules until a host changes them; the directory keeps them until the room's last member leaves. */
export const OPEN_RULES: RoomRules = { locked: false, micsLocked: false, lobby: false, hasPassword: false };

export const RoomEvent = z.discriminatedUnion('type', [
  /** A member joined, changed (mute, call progress) or moved to another server. */
  z.object({ type: z.literal('member'), member: MemberRecord }),
  z.object({ type: z.literal('left'), participantId: ParticipantId }),
  /** A feed went live, or gained copies on more nodes. */
  z.object({ type: z.literal('feed'), feed: FeedRecord }),
  z.object({ type: z.literal('feedGone'), participantId: ParticipantId, feed: FeedKind }),
  /** A member's media was placed on a Janus node: publishers copy their feeds there. */
  z.object({ type: z.literal('placed'), participantId: ParticipantId, node: z.string() }),
  z.object({ type: z.literal('ended'), reason: z.string() }),
  // Chat and reactions: told to the pages, nothing else changes.
  z.object({ type: z.literal('chat'), message: ChatMessage }),
  z.object({ type: z.literal('reaction'), participantId: ParticipantId, emoji: Reaction }),
  /** `/endPSTNCall` on any server: the server holding each of these calls hangs it up (see phoneHangUp.ts). */
  z.object({ type: z.literal('hangUp'), callIds: z.array(z.string()).min(1) }),
  // Hosts
  /** A host acted on a member: the app server holding it carries it out. */
  z.object({ type: z.literal('moderate'), verb: ParticipantVerb, participantId: ParticipantId, by: z.string() }),
  /** A host changed the room's rules . */
  z.object({ type: z.literal('rules'), rules: RoomRules }),
]);
export type RoomEvent = z.infer<typeof RoomEvent>;

/**
 * An event as it travels between app servers. `version` is the room's
 * change counter after the change the event reports: a snapshot read at
 * version V already holds every change up to V, so events up to V that
 * arrive while it is read are old news.
 */
export const EventEnvelope = z.object({ version: z.number().int().nonnegative(), from: z.string(), event: RoomEvent });
export type EventEnvelope = z.infer<typeof EventEnvelope>;
