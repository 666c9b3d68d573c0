/**
 * Every message exchanged between the browser and our server over the one
 * signalling WebSocket. Both sides import these schemas: the server parses
 * everything it receives with them, the client uses the inferred types.
 * protocol/README.md documents each message.
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;

/** Which of a participant's sources a published stream carries. */
export const FeedKind = z.enum(['camera', 'screen']);
export type FeedKind = z.infer<typeof FeedKind>;

/**
 * Names one RTCPeerConnection of a page: `pub-camera`, `pub-screen` for what
 * it sends, `sub-<n>` for each remote stream it receives.
 */
export const PeerConnectionId = z.string().regex(/^(pub-(camera|screen)|sub-\d{1,9})$/);
export type PeerConnectionId = z.infer<typeof PeerConnectionId>;

export const ParticipantId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);
export type ParticipantId = z.infer<typeof ParticipantId>;

const Sdp = z.string().min(10).max(64 * 1024);

const IceCandidate = z.object({
  candidate: z.string().max(1024),
  sdpMid: z.string().max(64).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(255).nullable().optional(),
});

/** A phone call's progress, as the page shows it. */
export const CallState = z.enum(['dialling', 'ringing', 'answered', 'ended', 'failed']);
export type CallState = z.infer<typeof CallState>;

export const PhoneCallInfo = z.object({
  callId: z.string(),
  state: CallState,
  /** Why it failed or ended: busy, no answer, rejected, unreachable, auth failed, hung up... */
  reason: z.string().optional(),
});
export type PhoneCallInfo = z.infer<typeof PhoneCallInfo>;

export const ParticipantInfo = z.object({
  participantId: ParticipantId,
  name: z.string(),
  kind: z.enum(['browser', 'phone']),
  audioMuted: z.boolean(),
  videoMuted: z.boolean(),
  /** Present for phones: the call that brought them in. */
  call: PhoneCallInfo.optional(),
});
export type ParticipantInfo = z.infer<typeof ParticipantInfo>;

export const IceServer = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof IceServer>;

/** `relay` makes pages use TURN only (their RTCPeerConnection's iceTransportPolicy). */
export const IceTransportPolicy = z.enum(['all', 'relay']);
export type IceTransportPolicy = z.infer<typeof IceTransportPolicy>;

// ---------------------------------------------------------------------------
// Browser -> server

export const ClientMessage = z.discriminatedUnion('type', [
  /** SDP offer for one of our own feeds; answered by `publishAnswer`. */
  z.object({ type: z.literal('publish'), feed: FeedKind, sdp: Sdp }).strict(),
  /** Stop sending one feed (e.g. the screenshare ended). */
  z.object({ type: z.literal('unpublish'), feed: FeedKind }).strict(),
  /** The page's answer to a `subscribeOffer`. */
  z.object({ type: z.literal('subscribeAnswer'), pcId: PeerConnectionId, sdp: Sdp }).strict(),
  /** A local ICE candidate of one peer connection; null when gathering completed. */
  z.object({ type: z.literal('trickle'), pcId: PeerConnectionId, candidate: IceCandidate.nullable() }).strict(),
  /** The page's own mute state, relayed to the others. */
  z.object({ type: z.literal('mute'), audioMuted: z.boolean(), videoMuted: z.boolean() }).strict(),
  /** Leave on purpose: the participant is gone at once, no reconnect grace. */
  z.object({ type: z.literal('leave') }).strict(),
  z.object({ type: z.literal('ping'), nonce: z.number().int().optional() }).strict(),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

// ---------------------------------------------------------------------------
// Server -> browser

export const ServerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    protocolVersion: z.number().int(),
    room: z.string(),
    self: ParticipantInfo,
    participants: z.array(ParticipantInfo),
    iceServers: z.array(IceServer),
    iceTransportPolicy: IceTransportPolicy.default('all'),
    startMutedAudio: z.boolean(),
  }),
  z.object({ type: z.literal('participantJoined'), participant: ParticipantInfo }),
  z.object({ type: z.literal('participantUpdated'), participant: ParticipantInfo }),
  z.object({ type: z.literal('participantLeft'), participantId: ParticipantId }),
  z.object({ type: z.literal('publishAnswer'), feed: FeedKind, sdp: Sdp }),
  /** A remote stream is available: answer with `subscribeAnswer`. */
  z.object({
    type: z.literal('subscribeOffer'),
    pcId: PeerConnectionId,
    participantId: ParticipantId,
    feed: FeedKind,
    sdp: Sdp,
  }),
  z.object({ type: z.literal('streamUnavailable'), pcId: PeerConnectionId, participantId: ParticipantId, feed: FeedKind }),
  /** The media server lost our streams (e.g. it restarted): close every peer connection and publish again. */
  z.object({ type: z.literal('mediaReset'), reason: z.string() }),
  z.object({ type: z.literal('pong'), nonce: z.number().int().optional() }),
  z.object({ type: z.literal('error'), code: z.string(), reason: z.string() }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

/** WebSocket close codes the server uses, beyond the standard ones. */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  /** The server is restarting: reconnect with the same token. */
  serviceRestart: 1012,
  unauthorized: 4001,
  replaced: 4002,
  sessionEnded: 4003,
  protocolError: 4400,
  /** The page kept sending after being told it sends too fast (`error rate_limited`). */
  tooManyMessages: 4429,
} as const;
