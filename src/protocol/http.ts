/**
 * Request and reply bodies of the HTTP API. Each request schema accepts our
 * own shape and the seed sample's shape, and normalises both to one type.
 */
import { z } from 'zod';
import { ParticipantId, type IceServer, type IceTransportPolicy, type VideoPublishing } from './messages.js';

export const DEFAULT_ROOM = 'lobby';

/** Room names are free text people type; only control characters are refused. */
export const RoomName = z
  .string()
  .trim()
  .max(64)
  // eslint-disable-next-line no-control-regex
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'must not contain control characters')
  .transform((value) => (value === '' ? DEFAULT_ROOM : value));

export const DisplayName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  // eslint-disable-next-line no-control-regex
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'must not contain control characters');

export const JoinCallRequest = z
  .object({
    room: RoomName.optional(),
    name: DisplayName.optional(),
    /** The seed sample sends the name as `caller.name`. */
    caller: z.object({ name: DisplayName }).passthrough().optional(),
    // Fields the seed sample also sends; accepted, not needed.
    call_type: z.string().max(32).optional(),
    audio: z.boolean().optional(),
    video: z.boolean().optional(),
    video_device: z.string().max(256).optional(),
    mic_device: z.string().max(256).optional(),
    /** Set by the room's first joiner; everyone after must give the same. */
    password: z.string().min(1).max(128).optional(),
    /** Join as a host; only with `Authorization: Bearer <ADMIN_SECRET>`. */
    host: z.boolean().optional(),
  })
  .strict()
  .transform((body, ctx) => {
    const name = body.name ?? body.caller?.name;
    if (name === undefined) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'name (or caller.name) is required' });
      return z.NEVER;
    }
    return { room: body.room ?? DEFAULT_ROOM, name, host: body.host === true, ...(body.password === undefined ? {} : { password: body.password }) };
  });
export type JoinCallRequest = z.infer<typeof JoinCallRequest>;

export interface JoinCallReply {
  participantId: string;
  token: string;
  room: string;
  /** Kept for clients written for the seed sample. */
  message: string;
  /** The ICE and video settings the welcome will carry, so a page can prepare its connections before its socket is open. */
  iceServers: IceServer[];
  iceTransportPolicy: IceTransportPolicy;
  video: VideoPublishing;
  /** The page's microphone starts muted (START_MUTED_AUDIO): the page turns it off before it sends anything. */
  startMutedAudio: boolean;
}

export const IdLookupQuery = z.object({ id: ParticipantId }).strict();

export interface IdLookupReply {
  attendee: string;
}

export interface ErrorReply {
  error: { code: string; reason: string };
}

const PhoneNumber = z.string().trim().regex(/^\+[1-9]\d{1,14}$/, 'must be an E.164 number such as +15551234567');
const CallId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);

/**
 * `/startPSTNCall`: ours is `{ number, name }`; the seed sends
 * `{ room, callee: { name, phone_number } }`. Without a number the
 * configured `dial_number` is called, as in the seed.
 */
export const StartPstnCallRequest = z
  .object({
    room: RoomName.optional(),
    number: PhoneNumber.optional(),
    name: DisplayName.optional(),
    callee: z.object({ name: DisplayName.optional(), phone_number: PhoneNumber.optional() }).strict().optional(),
  })
  .strict()
  .transform((body) => ({
    room: body.room,
    number: body.number ?? body.callee?.phone_number,
    name: body.name ?? body.callee?.name ?? 'Phone',
  }));

export interface StartPstnCallReply {
  /** The seed's reply: the call is placed. */
  status: 'ringing';
  callId: string;
  participantId: string;
}

/** `/endPSTNCall`: one call by id, or (as the seed, which had one call) every call of the caller's room. */
export const EndPstnCallRequest = z.object({ callId: CallId.optional() }).strict();

export interface EndPstnCallReply {
  status: 'hungup';
  callIds: string[];
}

/** `/Callbacks/answer`: an external call-control system reports that a call was answered, with the phone's SDP. */
export const AnswerCallbackRequest = z.object({ callId: CallId, sdp: z.string().min(10).max(16 * 1024) }).strict();

export const EndSessionRequest = z.object({ room: RoomName }).strict();
