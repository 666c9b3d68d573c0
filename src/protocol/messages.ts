/**
 * Every message exchanged between the browser and our server over the one
 * signalling WebSocket. Both sides import these schemas: the server parses
 * everything it receives with them, the client uses the inferred types.
 * protocol/README.md documents each message.
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 3;

/** Which of a participant's sources a published stream carries. */
export const FeedKind = z.enum(['camera', 'screen']);
export type FeedKind = z.infer<typeof FeedKind>;

/**
 * Names one RTCPeerConnection of a page: `pub-camera`, `pub-screen` for what
 * it sends, `sub-<n>` for the one connection it receives everything on (a
 * new `n` when that connection is made again).
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
  /** When the participant raised their hand (ms since 1970, the server's clock); absent while it is down. Hands are shown in this order. */
  handRaisedAt: z.number().optional(),
});
export type ParticipantInfo = z.infer<typeof ParticipantInfo>;

/** One stream of the page's receiving connection: which participant's feed its m-line (`mid`) carries. */
export const SubscribedStreamInfo = z.object({
  mid: z.string().max(16),
  participantId: ParticipantId,
  feed: FeedKind,
  kind: z.enum(['audio', 'video']),
});
export type SubscribedStreamInfo = z.infer<typeof SubscribedStreamInfo>;

/** How the page shows one feed's video: its tile's size in device pixels, and how much less its downlink can take (fewer layers, fewer frames). */
export const TileView = z
  .object({
    participantId: ParticipantId,
    feed: FeedKind,
    width: z.number().int().min(0).max(16_384),
    height: z.number().int().min(0).max(16_384),
    lowFrameRate: z.boolean().optional(),
    /** The tile is pinned or full screen: it gets the feed's top layer, whatever its size. */
    top: z.boolean().optional(),
    /** Take this many layers below the one the tile needs (as far as there are): the page's downlink cannot carry more. */
    lower: z.number().int().min(0).max(2).optional(),
  })
  .strict();
export type TileView = z.infer<typeof TileView>;

/** How pages publish video: simulcast layers or not, and the bitrate all layers of a camera share. */
export const VideoPublishing = z.object({
  simulcast: z.boolean(),
  maxBitrateBps: z.number().int().positive(),
  /** Most video tiles a page shows at once; the others are listed by name. */
  lastN: z.number().int().positive(),
});
export type VideoPublishing = z.infer<typeof VideoPublishing>;

export const IceServer = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof IceServer>;

/** `relay` makes pages use TURN only (their RTCPeerConnection's iceTransportPolicy). */
export const IceTransportPolicy = z.enum(['all', 'relay']);
export type IceTransportPolicy = z.infer<typeof IceTransportPolicy>;

// Chat and reactions

/** The reactions a page can send: a small fixed set, shown briefly on the sender's tile. */
export const Reaction = z.enum(['👍', '👏', '😂', '🎉', '❤️', '😮']);
export type Reaction = z.infer<typeof Reaction>;

/** Longest chat message, in UTF-16 code units (as a textarea's maxlength counts). */
export const CHAT_MAX_CHARS = 2_000;

/** A chat message as the server stamped it: who sent it (and to whom, when private), when, and its plain text. */
export const ChatMessage = z.object({
  id: z.string().max(64),
  from: ParticipantId,
  fromName: z.string(),
  /** Present for a private message: the one participant it was sent to. */
  to: ParticipantId.optional(),
  toName: z.string().optional(),
  text: z.string().max(CHAT_MAX_CHARS),
  /** The server's clock when it took the message (ms since 1970). */
  sentAt: z.number(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

// ---------------------------------------------------------------------------
// Hosts, raised hands and the lobby

/** What a host can do to another participant (`admit` and `deny`: to someone waiting in the lobby). */
export const ParticipantVerb = z.enum(['mute', 'stopVideo', 'lowerHand', 'remove', 'makeHost', 'admit', 'deny']);
export type ParticipantVerb = z.infer<typeof ParticipantVerb>;

/** What a host can change of the room. */
export const RoomChange = z.discriminatedUnion('setting', [
  z.object({ setting: z.literal('locked'), on: z.boolean() }).strict(),
  z.object({ setting: z.literal('micsLocked'), on: z.boolean() }).strict(),
  z.object({ setting: z.literal('lobby'), on: z.boolean() }).strict(),
  /** `null` clears it: anyone may join without. */
  z.object({ setting: z.literal('password'), password: z.string().min(1).max(128).nullable() }).strict(),
  z.object({ setting: z.literal('end') }).strict(),
]);
export type RoomChange = z.infer<typeof RoomChange>;

/** The room's rules as hosts set them, as every page sees them. */
export const RoomRules = z.object({
  /** No new joins. */
  locked: z.boolean(),
  /** Someone a host muted cannot unmute themselves. */
  micsLocked: z.boolean(),
  /** Joiners wait in the lobby until a host admits them. */
  lobby: z.boolean(),
  /** Joiners must give the room's password (its first joiner's, or one a host set). */
  hasPassword: z.boolean(),
});
export type RoomRules = z.infer<typeof RoomRules>;

/** Someone waiting in the lobby, as hosts see them. */
export const Knock = z.object({ participantId: ParticipantId, name: z.string() });
export type Knock = z.infer<typeof Knock>;

// ---------------------------------------------------------------------------
// Browser -> server

export const ClientMessage = z.discriminatedUnion('type', [
  /** SDP offer for one of our own feeds; answered by `publishAnswer`. `video` is the size of its picture (its top layer). */
  z
    .object({
      type: z.literal('publish'),
      feed: FeedKind,
      sdp: Sdp,
      video: z.object({ width: z.number().int().min(1).max(16_384), height: z.number().int().min(1).max(16_384) }).strict().optional(),
    })
    .strict(),
  /** Stop sending one feed (e.g. the screenshare ended). */
  z.object({ type: z.literal('unpublish'), feed: FeedKind }).strict(),
  /** The page's answer to a `subscriptionOffer`. */
  z.object({ type: z.literal('subscriptionAnswer'), pcId: PeerConnectionId, sdp: Sdp }).strict(),
  /** The tiles that show video now, and how big: each feed's video comes at the layer its tile needs; feeds not listed send none. */
  z.object({ type: z.literal('view'), tiles: z.array(TileView).max(400) }).strict(),
  /** A local ICE candidate of one peer connection; null when gathering completed. */
  z.object({ type: z.literal('trickle'), pcId: PeerConnectionId, candidate: IceCandidate.nullable() }).strict(),
  /** The page's own mute state, relayed to the others. */
  z.object({ type: z.literal('mute'), audioMuted: z.boolean(), videoMuted: z.boolean() }).strict(),
  /** Leave on purpose: the participant is gone at once, no reconnect grace. */
  z.object({ type: z.literal('leave') }).strict(),
  z.object({ type: z.literal('ping'), nonce: z.number().int().optional() }).strict(),
  // Chat and reactions
  /** A chat message to everyone, or privately to one participant (`to`). Plain text: pages never render it as HTML. */
  z
    .object({
      type: z.literal('chat'),
      text: z.string().max(CHAT_MAX_CHARS).refine((text) => text.trim().length > 0, 'a chat message needs some text'),
      to: ParticipantId.optional(),
    })
    .strict(),
  /** A reaction, shown briefly on the sender's tile on every page. */
  z.object({ type: z.literal('react'), emoji: Reaction }).strict(),
  // Hosts, raised hands and the lobby
  /** Raise or lower one's own hand. */
  z.object({ type: z.literal('hand'), raised: z.boolean() }).strict(),
  /** A host acts on another participant: refused with `not_host` to anyone else. */
  z.object({ type: z.literal('host'), verb: ParticipantVerb, participantId: ParticipantId }).strict(),
  /** A host changes the room: refused with `not_host` to anyone else. */
  z.object({ type: z.literal('hostRoom'), change: RoomChange }).strict(),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/**
 * The first message on a socket opened without `?token=`: the participant
 * token `/joinCall` gave. A page opens its socket while its user is still on
 * the join form, so joining does not wait for the handshake.
 */
export const Authenticate = z.object({ type: z.literal('authenticate'), token: z.string().min(1).max(4096) }).strict();
export type Authenticate = z.infer<typeof Authenticate>;

// ---------------------------------------------------------------------------
// Server -> browser

/**
 * Janus's offer for the page's receiving connection, and which feed each of
 * its streams carries (all of them: a stream not listed carries nothing
 * now). Answer with `subscriptionAnswer`. A new `pcId` means a new
 * connection: close the old one.
 */
export const SubscriptionOffer = z.object({ pcId: PeerConnectionId, sdp: Sdp, streams: z.array(SubscribedStreamInfo) });
export type SubscriptionOffer = z.infer<typeof SubscriptionOffer>;

export const ServerMessage = z.discriminatedUnion('type', [
  /** First message on a socket opened without a token: how pages publish video, so a page can make its camera's offer before it has joined. */
  z.object({ type: z.literal('hello'), protocolVersion: z.number().int(), video: VideoPublishing }),
  z.object({
    type: z.literal('welcome'),
    protocolVersion: z.number().int(),
    room: z.string(),
    self: ParticipantInfo,
    participants: z.array(ParticipantInfo),
    iceServers: z.array(IceServer),
    iceTransportPolicy: IceTransportPolicy.default('all'),
    video: VideoPublishing,
    /** The receiving connection's first offer, when the room's feeds were subscribed before the page connected: answer it first. */
    subscription: SubscriptionOffer.optional(),
  }),
  z.object({ type: z.literal('participantJoined'), participant: ParticipantInfo }),
  z.object({ type: z.literal('participantUpdated'), participant: ParticipantInfo }),
  z.object({ type: z.literal('participantLeft'), participantId: ParticipantId }),
  z.object({ type: z.literal('publishAnswer'), feed: FeedKind, sdp: Sdp }),
  /** See SubscriptionOffer. */
  z.object({ type: z.literal('subscriptionOffer'), ...SubscriptionOffer.shape }),
  /** The media server lost our streams (e.g. it restarted): close every peer connection and publish again. */
  z.object({ type: z.literal('mediaReset'), reason: z.string() }),
  /** `sentAt`: the server's clock when it sent the pong (ms since 1970), for the page to time its downlink. */
  z.object({ type: z.literal('pong'), nonce: z.number().int().optional(), sentAt: z.number().optional() }),
  z.object({ type: z.literal('error'), code: z.string(), reason: z.string() }),
  // Chat and reactions
  /** A chat message to the room, or a private one this page sent or receives. */
  z.object({ type: z.literal('chat'), message: ChatMessage }),
  /** After every welcome: the room's last messages this page may see, oldest first. */
  z.object({ type: z.literal('chatHistory'), messages: z.array(ChatMessage) }),
  z.object({ type: z.literal('reaction'), participantId: ParticipantId, emoji: Reaction }),
  // Hosts, raised hands and the lobby
  /** Who the room's hosts are now; sent after the welcome and whenever it changes. */
  z.object({ type: z.literal('hosts'), participantIds: z.array(ParticipantId) }),
  /** The room's rules; sent after the welcome and whenever a host changes them. */
  z.object({ type: z.literal('roomRules'), rules: RoomRules }),
  /** A host acted on this page's participant (muted it, stopped its video, lowered its hand, made it a host). */
  z.object({ type: z.literal('moderated'), verb: ParticipantVerb, by: z.string() }),
  /** Before any welcome: the page waits in the lobby until a host admits it (then `welcome`) or not (the socket closes with 4005). */
  z.object({ type: z.literal('knocking') }),
  /** To hosts: who waits in the lobby now, oldest knock first; sent whenever it changes, and to every new host. */
  z.object({ type: z.literal('lobby'), knocks: z.array(Knock) }),
  // Dial-in
  /** After the welcome, when the server takes phone calls: the number to call and the room's PIN, for this room's participants only. */
  z.object({ type: z.literal('dialIn'), number: z.string(), pin: z.string() }),
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
  /** A host removed the participant: its token is refused from now on. */
  removed: 4004,
  /** A host did not let the participant in from the lobby, or no host did in time. */
  denied: 4005,
  protocolError: 4400,
  /** The page kept sending after being told it sends too fast (`error rate_limited`). */
  tooManyMessages: 4429,
} as const;
